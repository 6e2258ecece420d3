package releases

import (
	"slices"

	"github.com/necoship/neco/pkg/model"
)

// Channel says which releases a site on a given env takes.
type Channel struct {
	Env model.Env
	// Prefixes are the accepted tag prefixes (config release-prefixes).
	Prefixes []string
	// DevPrefixes are additionally accepted on env dev (config dev-prefixes).
	DevPrefixes []string
}

// Accepts reports whether r may be picked on this channel:
//   - drafts and releases whose tag did not parse never count;
//   - production: published releases with an accepted prefix;
//   - staging: the same, and pre-releases;
//   - dev: what staging takes, and the dev prefixes;
//   - test: nothing (sites on test never update automatically).
func (c Channel) Accepts(r model.Release) bool {
	if r.Draft || r.Version.IsZero() {
		return false
	}
	switch c.Env {
	case model.EnvProduction:
		return !r.Prerelease && slices.Contains(c.Prefixes, r.Prefix)
	case model.EnvStaging:
		return slices.Contains(c.Prefixes, r.Prefix)
	case model.EnvDev:
		return slices.Contains(c.Prefixes, r.Prefix) || slices.Contains(c.DevPrefixes, r.Prefix)
	}
	return false
}

// Pick returns the newest release the channel accepts. The prefix is
// ignored when versions are compared; among equal versions the later
// publication wins, then the lexically greater tag, so the pick never
// depends on the order GitHub listed them in.
func (c Channel) Pick(rs []model.Release) (model.Release, bool) {
	var best model.Release
	found := false
	for _, r := range rs {
		if !c.Accepts(r) {
			continue
		}
		if !found || newer(r, best) {
			best, found = r, true
		}
	}
	return best, found
}

func newer(a, b model.Release) bool {
	if c := a.Version.Compare(b.Version); c != 0 {
		return c > 0
	}
	if !a.PublishedAt.Equal(b.PublishedAt) {
		return a.PublishedAt.After(b.PublishedAt)
	}
	return a.Tag > b.Tag
}
