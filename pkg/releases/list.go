package releases

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/go-github/v66/github"
	"go.uber.org/zap"

	"github.com/necoship/neco/pkg/model"
)

// ListReleases returns every release of the repository, drafts included
// (Channel.Accepts filters them). Releases whose tag is not PREFIX-VERSION
// are returned with a zero Version, so no channel picks them; each such tag
// is logged once per Client, not on every poll.
func (c *Client) ListReleases(ctx context.Context) ([]model.Release, error) {
	var all []model.Release
	opts := &github.ListOptions{PerPage: perPage, Page: 1}
	for range maxPages {
		var page []*github.RepositoryRelease
		var resp *github.Response
		err := c.retry(ctx, fmt.Sprintf("list releases page %d", opts.Page), func(ctx context.Context) error {
			var err error
			page, resp, err = c.gh.Repositories.ListReleases(ctx, c.owner, c.name, opts)
			return err
		})
		if err != nil {
			return nil, err
		}
		for _, r := range page {
			all = append(all, c.convert(r))
		}
		if resp.NextPage == 0 {
			return all, nil
		}
		if resp.NextPage <= opts.Page {
			return nil, fmt.Errorf("list releases: %w: next page %d after page %d", ErrMalformed, resp.NextPage, opts.Page)
		}
		opts.Page = resp.NextPage
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
	rel := model.Release{Tag: r.GetTagName(), Prerelease: r.GetPrerelease(), Draft: r.GetDraft(),
		PublishedAt: r.GetPublishedAt().Time, URL: r.GetHTMLURL(), Assets: assetsOf(r)}
	return rel, nil
}

// getByTag fetches a release by tag and checks GitHub answered for it.
func (c *Client) getByTag(ctx context.Context, tag string) (*github.RepositoryRelease, error) {
	var r *github.RepositoryRelease
	err := c.retry(ctx, "get release "+tag, func(ctx context.Context) error {
		var err error
		r, _, err = c.gh.Repositories.GetReleaseByTag(ctx, c.owner, c.name, tag)
		return err
	})
	if err != nil {
		return nil, err
	}
	if got := r.GetTagName(); got != tag {
		return nil, fmt.Errorf("get release %s: %w: got tag %q", tag, ErrMalformed, got)
	}
	return r, nil
}

// maxBadTags bounds the memory of warned-about tags; past it a bad tag is
// logged on every listing, which is noisy but never unbounded.
const maxBadTags = 1024

// convert maps GitHub's release onto the domain type.
func (c *Client) convert(r *github.RepositoryRelease) model.Release {
	rel := model.Release{
		Tag:         r.GetTagName(),
		Prerelease:  r.GetPrerelease(),
		Draft:       r.GetDraft(),
		PublishedAt: r.GetPublishedAt().Time,
		URL:         r.GetHTMLURL(),
		Assets:      assetsOf(r),
	}
	prefix, v, err := ParseTag(rel.Tag)
	if err != nil {
		c.warnBadTag(rel.Tag, err)
		return rel
	}
	rel.Prefix, rel.Version = prefix, v
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

func assetsOf(r *github.RepositoryRelease) []model.Asset {
	var out []model.Asset
	for _, a := range r.Assets {
		out = append(out, model.Asset{
			ID: a.GetID(), Name: a.GetName(), Size: int64(a.GetSize()), URL: a.GetBrowserDownloadURL(),
		})
	}
	return out
}
