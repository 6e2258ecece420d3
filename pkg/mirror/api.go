package mirror

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"time"
)

// The JSON shapes below use GitHub's field names (REST API 2022-11-28)
// for every field go-github's RepositoryRelease and ReleaseAsset read.

// apiUser is the minimal user object GitHub puts in author and uploader.
type apiUser struct {
	Login     string `json:"login"`
	ID        int64  `json:"id"`
	NodeID    string `json:"node_id"`
	Type      string `json:"type"`
	SiteAdmin bool   `json:"site_admin"`
}

// mirrorUser is the author of every mirrored release: the mirror does not
// know, or need, who published a release.
var mirrorUser = apiUser{Login: "neco-mirror", ID: 1, NodeID: nodeID("Bot", 1), Type: "Bot"}

type apiRelease struct {
	URL             string     `json:"url"`
	HTMLURL         string     `json:"html_url"`
	AssetsURL       string     `json:"assets_url"`
	UploadURL       string     `json:"upload_url"`
	TarballURL      string     `json:"tarball_url"`
	ZipballURL      string     `json:"zipball_url"`
	ID              int64      `json:"id"`
	NodeID          string     `json:"node_id"`
	TagName         string     `json:"tag_name"`
	TargetCommitish string     `json:"target_commitish"`
	Name            string     `json:"name"`
	Body            string     `json:"body"`
	Draft           bool       `json:"draft"`
	Prerelease      bool       `json:"prerelease"`
	CreatedAt       time.Time  `json:"created_at"`
	PublishedAt     time.Time  `json:"published_at"`
	Author          apiUser    `json:"author"`
	Assets          []apiAsset `json:"assets"`
}

type apiAsset struct {
	URL                string    `json:"url"`
	BrowserDownloadURL string    `json:"browser_download_url"`
	ID                 int64     `json:"id"`
	NodeID             string    `json:"node_id"`
	Name               string    `json:"name"`
	Label              string    `json:"label"`
	State              string    `json:"state"`
	ContentType        string    `json:"content_type"`
	Size               int64     `json:"size"`
	DownloadCount      int64     `json:"download_count"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
	Uploader           apiUser   `json:"uploader"`
}

// apiError is GitHub's error body.
type apiError struct {
	Message          string `json:"message"`
	DocumentationURL string `json:"documentation_url"`
}

// repoURLs computes a repository's URLs for one request. base is the
// mirror's public root without a trailing slash; the API and the "web"
// download paths share it because the mirror serves both.
type repoURLs struct {
	base, owner, repo string
}

func (u repoURLs) api(path string) string {
	return u.base + "/repos/" + u.owner + "/" + u.repo + path
}

func (u repoURLs) web(path string) string {
	return u.base + "/" + u.owner + "/" + u.repo + path
}

func (u repoURLs) release(rec releaseRecord) apiRelease {
	self := u.api("/releases/" + strconv.FormatInt(rec.ID, 10))
	out := apiRelease{
		URL:        self,
		HTMLURL:    u.web("/releases/tag/" + rec.TagName),
		AssetsURL:  self + "/assets",
		UploadURL:  self + "/assets{?name,label}",
		TarballURL: u.api("/tarball/" + rec.TagName),
		ZipballURL: u.api("/zipball/" + rec.TagName),
		ID:         rec.ID,
		NodeID:     nodeID("Release", rec.ID),
		TagName:    rec.TagName,
		// The commit is not stored; the tag itself is a commitish that
		// names the same commit.
		TargetCommitish: rec.TagName,
		Name:            rec.Name,
		Body:            rec.Body,
		Draft:           rec.Draft,
		Prerelease:      rec.Prerelease,
		CreatedAt:       rec.CreatedAt.UTC(),
		PublishedAt:     rec.PublishedAt.UTC(),
		Author:          mirrorUser,
		Assets:          make([]apiAsset, 0, len(rec.Assets)),
	}
	for _, a := range rec.Assets {
		out.Assets = append(out.Assets, u.asset(rec, a))
	}
	return out
}

func (u repoURLs) asset(rec releaseRecord, a assetRecord) apiAsset {
	return apiAsset{
		URL:                u.api("/releases/assets/" + strconv.FormatInt(a.ID, 10)),
		BrowserDownloadURL: u.web("/releases/download/" + rec.TagName + "/" + a.Name),
		ID:                 a.ID,
		NodeID:             nodeID("ReleaseAsset", a.ID),
		Name:               a.Name,
		State:              "uploaded",
		ContentType:        a.ContentType,
		Size:               a.Size,
		CreatedAt:          a.CreatedAt.UTC(),
		UpdatedAt:          a.UpdatedAt.UTC(),
		Uploader:           mirrorUser,
	}
}

// nodeID renders a GraphQL id in GitHub's legacy format, base64 of
// "0<len(type)>:<type><id>" (e.g. "MDc6UmVsZWFzZTE=" for release 1), so
// that it is stable and unique per object as clients expect.
func nodeID(typ string, id int64) string {
	return base64.StdEncoding.EncodeToString(fmt.Appendf(nil, "0%d:%s%d", len(typ), typ, id))
}
