package updater

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/necoship/neco/pkg/config"
	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/releases"
)

// ReleaseLister lists a repository's releases; *releases.Client is one.
type ReleaseLister interface {
	ListReleases(ctx context.Context) ([]model.Release, error)
}

var _ ReleaseLister = (*releases.Client)(nil)

// ReleaseChecker polls the site repository at the configured interval, or
// at once when triggered, and keeps the last good listing. Cluster config is
// passed on every call, so a config change takes effect without a restart:
// env and prefixes re-pick from the kept listing at once, and the client
// is rebuilt (with its conditional-request cache) when github-repo,
// github-api-url, github-token or proxy change.
type ReleaseChecker struct {
	newLister func(o releases.Options) (ReleaseLister, error)
	log       *zap.Logger

	listerKey [32]byte // clientKey of lister
	lister    ReleaseLister
	clientKey [32]byte // clientKey of the last check's config

	listing   []model.Release // last good listing
	checkedAt time.Time       // when the last check ended
	err       error           // the last check's error; nil on success
	checked   bool
}

// NewReleaseChecker returns a checker that builds real GitHub clients.
func NewReleaseChecker(log *zap.Logger) *ReleaseChecker {
	return &ReleaseChecker{
		newLister: func(o releases.Options) (ReleaseLister, error) { return releases.New(o) },
		log:       log,
	}
}

// ErrNoRepo is reported while github-repo is unset.
var ErrNoRepo = errors.New("updater: github-repo is not configured")

// Due reports whether a check should run now: never checked, forced, the
// settings that shape the client changed (an operator who just fixed the
// token or the repository wants to know at once), or the interval since
// the last check has passed.
func (c *ReleaseChecker) Due(cfg config.Cluster, now time.Time, force bool) bool {
	return !c.checked || force || clientKey(cfg) != c.clientKey || now.Sub(c.checkedAt) >= cfg.CheckUpdateInterval
}

// Check refreshes the listing. A failure keeps the previous listing (an
// outage must not look like "no releases") and is remembered for status.
func (c *ReleaseChecker) Check(ctx context.Context, cfg config.Cluster, now time.Time) error {
	c.checked = true
	lister, err := c.client(cfg)
	c.clientKey = clientKey(cfg) // also when the client failed: not due again until the interval
	if err == nil {
		var rs []model.Release
		if rs, err = lister.ListReleases(ctx); err == nil {
			c.listing = rs
		}
	}
	c.checkedAt, c.err = now, err
	return err
}

// Latest is the newest release of the kept listing that cfg's channel
// accepts; nil when nothing qualifies.
func (c *ReleaseChecker) Latest(cfg config.Cluster) *model.Release {
	ch := releases.Channel{Env: cfg.Env, Prefixes: cfg.ReleasePrefixes, DevPrefixes: cfg.DevPrefixes}
	if r, ok := ch.Pick(c.listing); ok {
		return &r
	}
	return nil
}

// Status reports when the last check ended and its error.
func (c *ReleaseChecker) Status() (checkedAt time.Time, err error) { return c.checkedAt, c.err }

// client returns the lister for cfg, building a new one when the settings
// that shape it changed. The token is part of the key only as a hash.
func (c *ReleaseChecker) client(cfg config.Cluster) (ReleaseLister, error) {
	if cfg.GitHubRepo == "" {
		return nil, ErrNoRepo
	}
	key := clientKey(cfg)
	if c.lister != nil && key == c.listerKey {
		return c.lister, nil
	}
	l, err := c.newLister(releases.Options{
		APIURL: cfg.GitHubAPIURL, Repo: cfg.GitHubRepo, Token: cfg.GitHubToken, Proxy: cfg.Proxy, Logger: c.log,
	})
	if err != nil {
		return nil, fmt.Errorf("release client: %w", err)
	}
	c.lister, c.listerKey = l, key
	return l, nil
}

// clientKey identifies the settings a client is built from; the token is
// part of it only as a hash.
func clientKey(cfg config.Cluster) [32]byte {
	return sha256.Sum256([]byte(cfg.GitHubRepo + "\x00" + cfg.GitHubAPIURL + "\x00" + cfg.Proxy + "\x00" + cfg.GitHubToken))
}
