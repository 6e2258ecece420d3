package model

import "time"

// Release is one release of the site repository as neco sees it: the parsed
// tag plus what GitHub (or a neco mirror) says about it.
type Release struct {
	// Tag is the full tag name, e.g. "release-2026.11.23-1".
	Tag string `json:"tag"`
	// Prefix is the part of Tag before the first '-', e.g. "release".
	Prefix string `json:"prefix"`
	// Version is the part of Tag after the first '-'.
	Version     Version   `json:"version"`
	Prerelease  bool      `json:"prerelease"`
	Draft       bool      `json:"draft"`
	PublishedAt time.Time `json:"published_at"`
	Assets      []Asset   `json:"assets"`
	// URL is the release's web page (GitHub's html_url), linked from
	// notifications; empty when the server did not say.
	URL string `json:"url,omitempty"`
	// SourceSkew is how far the clock of the server that listed the
	// release (GitHub, a mirror) ran ahead of the reader's, by its Date
	// header; PublishedAt, which that clock wrote, is PublishedAt -
	// SourceSkew on the reader's clock (Published). Zero when unknown or
	// within seconds. Not stored.
	SourceSkew time.Duration `json:"-"`
}

// Published is when the release was published on the clock of the one
// who listed it (see SourceSkew).
func (r Release) Published() time.Time {
	return r.PublishedAt.Add(-r.SourceSkew)
}

// Asset is a file attached to a release.
type Asset struct {
	// ID is the API id used to download the asset through the API URL.
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Size int64  `json:"size"`
	// URL is the browser download URL.
	URL string `json:"url"`
}

// Asset returns the asset called name, if the release has one.
func (r Release) Asset(name string) (Asset, bool) {
	for _, a := range r.Assets {
		if a.Name == name {
			return a, true
		}
	}
	return Asset{}, false
}
