package releases

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/necoship/neco/pkg/model"
)

// ListReleases returns every release of the repository, drafts included
// (Channel.Accepts filters them). Releases whose tag is not PREFIX-VERSION
// are returned with a zero Version, so no channel picks them; each such tag
// is logged once per Client, not on every poll.
func (c *Client) ListReleases(ctx context.Context) ([]model.Release, error) {
	var all []model.Release
	var skew time.Duration // the first page's: one listing, one clock
	page := 1
	for range maxPages {
		var rels []apiRelease
		path := fmt.Sprintf("repos/%s/%s/releases?per_page=%d&page=%d", c.owner, c.name, perPage, page)
		resp, err := c.get(ctx, fmt.Sprintf("list releases page %d", page), path, func(r io.Reader) error {
			var err error
			rels, err = decodeReleases(r)
			return err
		})
		if err != nil {
			return nil, err
		}
		if page == 1 {
			skew = sourceSkew(resp.Header, c.now())
		}
		for _, r := range rels {
			rel := c.convert(r)
			rel.SourceSkew = skew
			all = append(all, rel)
		}
		if resp.NextPage == 0 {
			return all, nil
		}
		if resp.NextPage <= page {
			return nil, fmt.Errorf("list releases: %w: next page %d after page %d", ErrMalformed, resp.NextPage, page)
		}
		page = resp.NextPage
	}
	return nil, fmt.Errorf("list releases: %w: more than %d pages", ErrMalformed, maxPages)
}

// ReleaseByTag fetches one release of the site repository. Workers use it
// rather than paging the whole list, and the tag is checked before any
// request is made.
func (c *Client) ReleaseByTag(ctx context.Context, tag string) (model.Release, error) {
	if _, _, err := ParseTag(tag); err != nil {
		return model.Release{}, err
	}
	r, err := c.getByTag(ctx, tag)
	if err != nil {
		return model.Release{}, err
	}
	return c.convert(r), nil
}

// PackageRelease fetches the release tagged tag of a repository that is not
// a site repository (a plan's extra package, "v1.4.0"): its tag need not be
// PREFIX-VERSION, and the release's Version stays zero.
func (c *Client) PackageRelease(ctx context.Context, tag string) (model.Release, error) {
	if tag == "" || strings.ContainsAny(tag, "/\\\x00 ") {
		return model.Release{}, fmt.Errorf("%w %q: want a release tag", ErrInvalidTag, tag)
	}
	r, err := c.getByTag(ctx, tag)
	if err != nil {
		return model.Release{}, err
	}
	return plainRelease(r), nil
}

// getByTag fetches a release by tag and checks GitHub answered for it.
func (c *Client) getByTag(ctx context.Context, tag string) (apiRelease, error) {
	var r apiRelease
	path := fmt.Sprintf("repos/%s/%s/releases/tags/%s", c.owner, c.name, url.PathEscape(tag))
	_, err := c.get(ctx, "get release "+tag, path, func(body io.Reader) error {
		var err error
		r, err = decodeRelease(body)
		return err
	})
	if err != nil {
		return apiRelease{}, err
	}
	if r.TagName != tag {
		return apiRelease{}, fmt.Errorf("get release %s: %w: got tag %q", tag, ErrMalformed, r.TagName)
	}
	return r, nil
}

// maxBadTags bounds the memory of warned-about tags; past it a bad tag is
// logged on every listing, which is noisy but never unbounded.
const maxBadTags = 1024

// convert maps GitHub's release onto the domain type.
func (c *Client) convert(r apiRelease) model.Release {
	rel := plainRelease(r)
	prefix, v, err := ParseTag(rel.Tag)
	if err != nil {
		c.warnBadTag(rel.Tag, err)
		return rel
	}
	rel.Prefix, rel.Version = prefix, v
	return rel
}

// plainRelease is r without a parsed tag: Prefix and Version stay zero.
func plainRelease(r apiRelease) model.Release {
	rel := model.Release{
		Tag:        r.TagName,
		Prerelease: r.Prerelease,
		Draft:      r.Draft,
		URL:        r.HTMLURL,
		Assets:     assetsOf(r),
	}
	if r.PublishedAt != nil {
		rel.PublishedAt = r.PublishedAt.Time
	}
	return rel
}

func (c *Client) warnBadTag(tag string, err error) {
	c.mu.Lock()
	seen := c.badTags[tag]
	if !seen && len(c.badTags) < maxBadTags {
		c.badTags[tag] = true
	}
	c.mu.Unlock()
	if !seen {
		c.log.Warn("skipping release with unparsable tag", zap.String(keyTag, tag), zap.Error(err))
	}
}

func assetsOf(r apiRelease) []model.Asset {
	var out []model.Asset
	for _, a := range r.Assets {
		out = append(out, model.Asset{
			ID: a.GetID(), Name: a.GetName(), Size: int64(a.GetSize()), URL: a.GetBrowserDownloadURL(),
		})
	}
	return out
}
