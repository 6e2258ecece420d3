package updater

import (
	"context"
	"crypto/sha256"
	"errors"
	"time"

	"go.uber.org/zap"

	"github.com/necoship/neco/pkg/config"
	"github.com/necoship/neco/pkg/metrics"
	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/releases"
)

// ReleaseLister lists a repository's releases, and tells whether a tag
// was deployed with success to an environment (require-deployed);
// *releases.Client is one.
type ReleaseLister interface {
	ListReleases(ctx context.Context) ([]model.Release, error)
	DeploymentSucceeded(ctx context.Context, tag, environment string) (bool, error)
}

var _ ReleaseLister = (*releases.Client)(nil)

// ReleaseChecker runs the release checks of each leadership term (start,
// in checkterm.go): it says how clients are built and where checks are
// logged and counted. It keeps no state itself: a term starts from
// nothing, and nothing of it outlives the term.
type ReleaseChecker struct {
	newLister func(o releases.Options) (ReleaseLister, error)
	log       *zap.Logger
	metrics   *metrics.Updater
}

// NewReleaseChecker returns a checker that builds real GitHub clients. It
// counts checks in m, which may be nil.
func NewReleaseChecker(log *zap.Logger, m *metrics.Updater) *ReleaseChecker {
	return &ReleaseChecker{
		newLister: func(o releases.Options) (ReleaseLister, error) { return releases.New(o) },
		log:       log,
		metrics:   m,
	}
}

// ErrNoRepo is reported while github-repo is unset.
var ErrNoRepo = errors.New("updater: github-repo is not configured")

// CheckResult is what a term's release checks know after the last one
// finished. It is published whole and never changed, so the loop reads it
// without a lock; nil until the term's first check finished.
type CheckResult struct {
	// Listing is the last good listing: a failed check keeps the one
	// before (an outage must not look like "no releases").
	Listing []model.Release
	// Promotion is what the last good check learned of its pick's
	// deployment to require-deployed; nil when it did not ask.
	Promotion *model.Promotion
	// CheckedAt is when the last finished check started, Err its error.
	CheckedAt time.Time
	Err       error
}

// Latest is the newest release of the listing that cfg's channel accepts;
// nil when nothing qualifies. It picks anew on every call, so a change of
// env or prefixes takes effect at once, without a check.
func (r *CheckResult) Latest(cfg config.Cluster) *model.Release {
	if r == nil {
		return nil
	}
	if pick, ok := channelOf(cfg).Pick(r.Listing); ok {
		return &pick
	}
	return nil
}

// PromotionFor is what the checks learned of the pick's deployment to
// cfg's require-deployed; nil when it is not set, nothing qualifies or no
// check asked about that environment yet.
func (r *CheckResult) PromotionFor(cfg config.Cluster) *model.Promotion {
	if r == nil || r.Promotion == nil || cfg.RequireDeployed == "" || r.Promotion.Environment != cfg.RequireDeployed {
		return nil
	}
	p := *r.Promotion
	return &p
}

func channelOf(cfg config.Cluster) releases.Channel {
	return releases.Channel{Env: cfg.Env, Prefixes: cfg.ReleasePrefixes, DevPrefixes: cfg.DevPrefixes}
}

// check lists the releases with l and, with require-deployed set, asks
// whether the pick was deployed there. known is what the last good check
// learned of it.
func check(ctx context.Context, l ReleaseLister, cfg config.Cluster, known *model.Promotion, now time.Time) ([]model.Release, *model.Promotion, error) {
	rs, err := l.ListReleases(ctx)
	if err != nil {
		return nil, nil, err
	}
	if cfg.RequireDeployed == "" {
		return rs, nil, nil
	}
	return rs, checkPromotion(ctx, l, cfg, rs, known, now), nil
}

// checkPromotion asks whether the pick of rs was deployed with success to
// require-deployed. A pick known deployed is not asked about again: a
// success stays one. nil when nothing qualifies.
func checkPromotion(ctx context.Context, l ReleaseLister, cfg config.Cluster, rs []model.Release, known *model.Promotion, now time.Time) *model.Promotion {
	pick, ok := channelOf(cfg).Pick(rs)
	if !ok {
		return nil
	}
	env := cfg.RequireDeployed
	if known.For(pick.Tag, env) && known.Deployed {
		return known
	}
	p := &model.Promotion{Tag: pick.Tag, Environment: env, CheckedAt: now}
	deployed, err := l.DeploymentSucceeded(ctx, pick.Tag, env)
	if err != nil {
		p.Error = err.Error()
	}
	p.Deployed = deployed
	return p
}

// logChange logs when checks start failing, fail differently or recover:
// a failure repeated every poll is in info/check, not in every log line.
func (c *ReleaseChecker) logChange(before, after error) {
	switch {
	case after == nil && before != nil:
		c.log.Info("release checks succeed again")
	case after != nil && (before == nil || before.Error() != after.Error()):
		c.log.Warn("release check failed", zap.Error(after))
	}
}

// githubOptions configure a GitHub client from cfg; every answer it gets
// is counted in m, and the source's clock is measured against now, the
// clock the decisions read (model.Release.SourceSkew).
func githubOptions(cfg config.Cluster, log *zap.Logger, m *metrics.Updater, now func() time.Time) releases.Options {
	return releases.Options{
		APIURL: cfg.GitHubAPIURL, Repo: cfg.GitHubRepo, Token: cfg.GitHubToken, Proxy: cfg.Proxy, NoProxy: cfg.NoProxy, Logger: log,
		OnResponse: func(r releases.Response) { m.GitHubResponse(r.Code, r.RateRemaining) },
		Now:        now,
	}
}

// clientKey identifies the settings a client is built from; the token is
// part of it only as a hash.
func clientKey(cfg config.Cluster) [32]byte {
	return sha256.Sum256([]byte(cfg.GitHubRepo + "\x00" + cfg.GitHubAPIURL + "\x00" + cfg.Proxy + "\x00" + cfg.NoProxy + "\x00" + cfg.GitHubToken))
}
