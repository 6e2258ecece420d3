package updater

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
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

// ReleaseChecker polls the site repository at the configured interval, or
// at once when triggered, and keeps the last good listing. Cluster config is
// passed on every call, so a config change takes effect without a restart:
// env and prefixes re-pick from the kept listing at once, and the client
// is rebuilt (with its conditional-request cache) when github-repo,
// github-api-url, github-token or proxy change.
//
// Start runs a check in the background: GitHub retrying for minutes must
// not stop the leader from advancing barriers of a running update. It is
// safe for concurrent use.
type ReleaseChecker struct {
	newLister func(o releases.Options) (ReleaseLister, error)
	log       *zap.Logger
	metrics   *metrics.Updater
	done      chan struct{} // a background check ended
	wg        sync.WaitGroup

	mu        sync.Mutex
	listerKey [32]byte // clientKey of lister
	lister    ReleaseLister
	listing   []model.Release  // last good listing
	promotion *model.Promotion // of the listing's pick, when require-deployed is set
	checkedAt time.Time        // when the last check started
	err       error            // the last check's error; nil on success
	checked   bool
	clientKey [32]byte // clientKey of the last check's config
	forced    bool     // a check was asked for while one ran
	gen       int      // Start's count: only the newest check records
	cancel    context.CancelFunc
	running   bool
}

// NewReleaseChecker returns a checker that builds real GitHub clients. It
// counts checks in m, which may be nil.
func NewReleaseChecker(log *zap.Logger, m *metrics.Updater) *ReleaseChecker {
	return &ReleaseChecker{
		newLister: func(o releases.Options) (ReleaseLister, error) { return releases.New(o) },
		log:       log,
		metrics:   m,
		done:      make(chan struct{}, 1),
	}
}

// ErrNoRepo is reported while github-repo is unset.
var ErrNoRepo = errors.New("updater: github-repo is not configured")

// Due reports whether a check should run now: never checked, forced (now
// or while the last check ran), the settings that shape the client changed
// (an operator who just fixed the token or the repository wants to know
// at once), or the interval since the last check has passed.
func (c *ReleaseChecker) Due(cfg config.Cluster, now time.Time, force bool) bool {
	key := clientKey(cfg)
	c.mu.Lock()
	defer c.mu.Unlock()
	changed := key != c.clientKey
	if c.running && !changed {
		if force {
			c.forced = true
		}
		return false
	}
	return !c.checked || force || c.forced || changed || now.Sub(c.checkedAt) >= cfg.CheckUpdateInterval
}

// Start runs a check in the background under ctx, superseding (cancelling)
// one that still runs. Done signals its end; Wait waits for it.
func (c *ReleaseChecker) Start(ctx context.Context, cfg config.Cluster, now time.Time) {
	c.mu.Lock()
	if c.cancel != nil {
		c.cancel()
	}
	ctx, cancel := context.WithCancel(ctx)
	c.gen++
	gen := c.gen
	c.cancel, c.running, c.forced = cancel, true, false
	c.clientKey = clientKey(cfg)
	c.mu.Unlock()

	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		defer cancel()
		_ = c.check(ctx, cfg, now, gen) // recorded for Status, logged on change
		select {
		case c.done <- struct{}{}:
		default: // a signal is already pending; one is enough
		}
	}()
}

// Done receives after each background check.
func (c *ReleaseChecker) Done() <-chan struct{} { return c.done }

// Wait blocks until no background check runs; cancel their ctx first.
func (c *ReleaseChecker) Wait() { c.wg.Wait() }

// Check refreshes the listing and returns the check's error.
func (c *ReleaseChecker) Check(ctx context.Context, cfg config.Cluster, now time.Time) error {
	c.mu.Lock()
	c.gen++
	gen := c.gen
	c.clientKey = clientKey(cfg)
	c.mu.Unlock()
	return c.check(ctx, cfg, now, gen)
}

// check lists releases and records the outcome, unless a newer check was
// started meanwhile: then this one was superseded and says nothing. A
// failure keeps the previous listing (an outage must not look like "no
// releases") and is remembered for status.
func (c *ReleaseChecker) check(ctx context.Context, cfg config.Cluster, now time.Time, gen int) error {
	lister, err := c.client(cfg)
	var rs []model.Release
	if err == nil {
		rs, err = lister.ListReleases(ctx)
	}
	var promo *model.Promotion
	if err == nil && cfg.RequireDeployed != "" {
		promo = c.checkPromotion(ctx, lister, cfg, rs, now)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return err
	}
	c.running, c.cancel = false, nil
	if ctx.Err() != nil {
		return err // stopped, not failed: nothing learned
	}
	if err == nil {
		c.listing, c.promotion = rs, promo
	}
	c.metrics.ReleaseCheck(err)
	c.logChange(c.err, err)
	c.checked, c.checkedAt, c.err = true, now, err
	return err
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

// Latest is the newest release of the kept listing that cfg's channel
// accepts; nil when nothing qualifies.
func (c *ReleaseChecker) Latest(cfg config.Cluster) *model.Release {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := releases.Channel{Env: cfg.Env, Prefixes: cfg.ReleasePrefixes, DevPrefixes: cfg.DevPrefixes}
	if r, ok := ch.Pick(c.listing); ok {
		return &r
	}
	return nil
}

// Status reports when the last finished check started and its error.
func (c *ReleaseChecker) Status() (checkedAt time.Time, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.checkedAt, c.err
}

// client returns the lister for cfg, building a new one when the settings
// that shape it changed.
func (c *ReleaseChecker) client(cfg config.Cluster) (ReleaseLister, error) {
	if cfg.GitHubRepo == "" {
		return nil, ErrNoRepo
	}
	key := clientKey(cfg)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.lister != nil && key == c.listerKey {
		return c.lister, nil
	}
	l, err := c.newLister(githubOptions(cfg, c.log, c.metrics))
	if err != nil {
		return nil, fmt.Errorf("release client: %w", err)
	}
	c.lister, c.listerKey = l, key
	return l, nil
}

// githubOptions configure a GitHub client from cfg; every answer it gets
// is counted in m.
func githubOptions(cfg config.Cluster, log *zap.Logger, m *metrics.Updater) releases.Options {
	return releases.Options{
		APIURL: cfg.GitHubAPIURL, Repo: cfg.GitHubRepo, Token: cfg.GitHubToken, Proxy: cfg.Proxy, NoProxy: cfg.NoProxy, Logger: log,
		OnResponse: func(r releases.Response) { m.GitHubResponse(r.Code, r.RateRemaining) },
	}
}

// clientKey identifies the settings a client is built from; the token is
// part of it only as a hash.
func clientKey(cfg config.Cluster) [32]byte {
	return sha256.Sum256([]byte(cfg.GitHubRepo + "\x00" + cfg.GitHubAPIURL + "\x00" + cfg.Proxy + "\x00" + cfg.NoProxy + "\x00" + cfg.GitHubToken))
}

// checkPromotion asks whether the pick of rs was deployed with success to
// require-deployed. A pick known deployed is not asked about again: a
// success stays one. nil when nothing qualifies.
func (c *ReleaseChecker) checkPromotion(ctx context.Context, l ReleaseLister, cfg config.Cluster, rs []model.Release, now time.Time) *model.Promotion {
	ch := releases.Channel{Env: cfg.Env, Prefixes: cfg.ReleasePrefixes, DevPrefixes: cfg.DevPrefixes}
	pick, ok := ch.Pick(rs)
	if !ok {
		return nil
	}
	env := cfg.RequireDeployed
	c.mu.Lock()
	known := c.promotion
	c.mu.Unlock()
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

// Promotion is what the last check learned of the pick's deployment to
// cfg's require-deployed; nil when it is not set, nothing qualifies or no
// check asked yet.
func (c *ReleaseChecker) Promotion(cfg config.Cluster) *model.Promotion {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cfg.RequireDeployed == "" || c.promotion == nil || c.promotion.Environment != cfg.RequireDeployed {
		return nil
	}
	p := *c.promotion
	return &p
}
