package worker

import (
	"context"
	"errors"
	"fmt"

	"go.uber.org/zap"

	"github.com/necoship/neco/pkg/config"
	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/op"
	"github.com/necoship/neco/pkg/plan"
	"github.com/necoship/neco/pkg/releases"
)

// Releases downloads an update's packages through pkg/releases, with the
// cluster config of the snapshot that decided the step.
type Releases struct {
	Config config.Cluster
	Log    *zap.Logger
}

var _ op.Releases = Releases{}

// FetchSite fetches the site package of the release tagged tag: the one
// asset matching package-asset, checked against SHA256SUMS and, when
// signing-keys is set, its signature.
func (r Releases) FetchSite(ctx context.Context, tag string, v model.Version, dir string) (string, error) {
	c, err := r.client(r.Config.GitHubRepo)
	if err != nil {
		return "", err
	}
	verifier, err := releases.NewVerifier(r.Config.SigningKeys)
	if err != nil {
		return "", op.Permanent(fmt.Errorf("signing-keys: %w", err))
	}
	rel, err := c.ReleaseByTag(ctx, tag)
	if err != nil {
		return "", classify(err)
	}
	name, err := releases.SiteAsset(rel, r.Config.PackageAssetFor(v))
	if err != nil {
		return "", op.Permanent(err)
	}
	got, err := c.FetchVerified(ctx, rel, name, dir, verifier)
	if err != nil {
		return "", classify(err)
	}
	return got.Path, nil
}

// FetchDeb fetches a plan's extra package from its own repository, checked
// against the plan's sha256 (that repository's SHA256SUMS is not signed
// by the site's keys; the signed plan pins the file instead).
func (r Releases) FetchDeb(ctx context.Context, d plan.Deb, dir string) (string, error) {
	c, err := r.client(d.Repo)
	if err != nil {
		return "", err
	}
	rel, err := c.PackageRelease(ctx, d.Tag)
	if err != nil {
		return "", classify(err)
	}
	got, err := c.FetchPinned(ctx, rel, d.Asset, dir, d.SHA256)
	if err != nil {
		return "", classify(err)
	}
	return got.Path, nil
}

func (r Releases) client(repo string) (*releases.Client, error) {
	c, err := releases.New(releases.Options{
		APIURL: r.Config.GitHubAPIURL, Repo: repo, Token: r.Config.DownloadToken(), Proxy: r.Config.Proxy, NoProxy: r.Config.NoProxy, Logger: r.Log,
		MaxAssetSize: r.Config.MaxAssetSize,
	})
	if err != nil {
		return nil, op.Permanent(fmt.Errorf("release client for %s: %w", repo, err))
	}
	return c, nil
}

// classify marks the download errors no retry can fix. A full disk
// (releases.ErrNoSpace) stays retryable: an operator can free space.
func classify(err error) error {
	for _, perm := range []error{
		releases.ErrChecksumMismatch, releases.ErrUnsigned, releases.ErrBadSignature,
		releases.ErrInvalidTag, releases.ErrNoAsset, releases.ErrTooLarge, releases.ErrCleartextToken,
	} {
		if errors.Is(err, perm) {
			return op.Permanent(err)
		}
	}
	return err
}
