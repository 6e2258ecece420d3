package updater

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/necoship/neco/pkg/config"
	"github.com/necoship/neco/pkg/model"
)

// checkTerm is the release checks of one leadership term. One goroutine,
// run, owns its state: the Controller tells it each round's config
// (tell), and reads what it publishes (result), woken by finished after
// every check. Each check runs in a goroutine of its own, so that GitHub
// retrying for minutes neither stops run from taking a config change nor
// the Controller from advancing barriers; run waits for it before it
// returns, and it returns when the term's ctx ends.
type checkTerm struct {
	checker *ReleaseChecker
	now     func() time.Time

	asks      chan checkAsk     // from the Controller: the round's config
	ended     chan checkOutcome // from a check's goroutine
	wake      chan struct{}     // a result was published; one pending is enough
	published atomic.Pointer[CheckResult]
	done      chan struct{} // closed when run returned

	// Owned by run.
	cfg      *config.Cluster    // the config last told; nil until the first
	key      [32]byte           // clientKey of the newest check started
	lister   ReleaseLister      // built for key; nil when building it failed
	forced   bool               // a check is wanted at once
	gen      int                // checks started: only the newest one's outcome counts
	cancel   context.CancelFunc // of the running check; nil when none runs
	inflight int                // check goroutines not yet ended, superseded ones too
}

// checkAsk is one round's word to the checks.
type checkAsk struct {
	cfg   config.Cluster
	force bool // check now: the webhook or request/check asked for one
}

// checkOutcome is what one check's goroutine sends back to run.
type checkOutcome struct {
	gen       int
	at        time.Time // when the check started
	listing   []model.Release
	promotion *model.Promotion
	err       error
	stopped   bool // its ctx ended: it learned nothing
}

var errChecksEnded = errors.New("updater: the term's release checks have ended")

// start runs the release checks of a term until ctx ends; now is the
// Controller's clock. Call wait after ctx ended.
func (c *ReleaseChecker) start(ctx context.Context, now func() time.Time) *checkTerm {
	t := &checkTerm{
		checker: c, now: now,
		asks: make(chan checkAsk), ended: make(chan checkOutcome),
		wake: make(chan struct{}, 1), done: make(chan struct{}),
	}
	go t.run(ctx)
	return t
}

// tell hands run the round's config, and force to check now. It returns
// once run has taken it, which is at once: run never blocks on a check.
func (t *checkTerm) tell(ctx context.Context, cfg config.Cluster, force bool) error {
	select {
	case t.asks <- checkAsk{cfg: cfg, force: force}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("tell release checks: %w", ctx.Err())
	case <-t.done:
		return errChecksEnded
	}
}

// result is the last published result; nil before the first check ended.
func (t *checkTerm) result() *CheckResult { return t.published.Load() }

// finished receives after each published result.
func (t *checkTerm) finished() <-chan struct{} { return t.wake }

// wait blocks until run and every check it started have returned.
func (t *checkTerm) wait() { <-t.done }

// run owns the term's checks until ctx ends: it takes the Controller's
// word, publishes each check's end, and starts a check when one is due.
func (t *checkTerm) run(ctx context.Context) {
	defer close(t.done)
	defer t.stopAll()
	timer := time.NewTimer(0)
	timer.Stop() // next sets it once there is a config
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case a := <-t.asks:
			t.take(a)
		case o := <-t.ended:
			t.finish(o)
		case <-timer.C:
		}
		t.next(ctx, timer)
	}
}

// take notes the round's config. A change of the settings that shape the
// client (repo, api url, token, proxy, no-proxy) supersedes the running
// check and checks at once: an operator who just fixed the token wants to
// know now, not after the old token's retries.
func (t *checkTerm) take(a checkAsk) {
	t.cfg = &a.cfg
	if clientKey(a.cfg) != t.key {
		t.supersede()
		t.forced = true
	}
	t.forced = t.forced || a.force
}

// next starts a check when one is due; else, with none running, it sets
// the timer for when the interval will have passed. The Controller tells
// its config every round, so a clock that moves without the timer (a
// test's) is read then too.
func (t *checkTerm) next(ctx context.Context, timer *time.Timer) {
	timer.Stop()
	if t.cfg == nil || t.cancel != nil {
		return // nothing to check with yet, or a check runs: its end comes
	}
	if wait := checkWait(t.result(), t.cfg.CheckUpdateInterval, t.forced, t.now()); wait > 0 {
		timer.Reset(wait)
		return
	}
	t.begin(ctx)
}

// checkWait is how long until a check is due: none now when the term has
// no result yet or one is forced, else what is left of interval since
// the last check started.
func checkWait(last *CheckResult, interval time.Duration, forced bool, now time.Time) time.Duration {
	if last == nil || forced {
		return 0
	}
	return max(0, last.CheckedAt.Add(interval).Sub(now))
}

// begin starts a check of the told config in a goroutine of its own.
func (t *checkTerm) begin(ctx context.Context) {
	cfg, at := *t.cfg, t.now()
	lister, err := t.client(cfg)
	var known *model.Promotion
	if last := t.result(); last != nil {
		known = last.Promotion
	}
	ctx, cancel := context.WithCancel(ctx)
	t.gen++
	t.key, t.cancel, t.forced = clientKey(cfg), cancel, false
	t.inflight++
	go func(gen int) {
		o := checkOutcome{gen: gen, at: at, err: err}
		if err == nil {
			o.listing, o.promotion, o.err = check(ctx, lister, cfg, known, at)
		}
		o.stopped = ctx.Err() != nil
		t.ended <- o // run receives until every check has ended
	}(t.gen)
}

// client returns the lister for cfg: the last one while the settings
// that shape it are those of the last check, else a new one (with a
// cache of its own).
func (t *checkTerm) client(cfg config.Cluster) (ReleaseLister, error) {
	if t.lister != nil && clientKey(cfg) == t.key {
		return t.lister, nil
	}
	t.lister = nil
	if cfg.GitHubRepo == "" {
		return nil, ErrNoRepo
	}
	l, err := t.checker.newLister(githubOptions(cfg, t.checker.log, t.checker.metrics, t.now))
	if err != nil {
		return nil, fmt.Errorf("release client: %w", err)
	}
	t.lister = l
	return l, nil
}

// finish publishes the outcome of the running check, logs a change of
// its error and counts it. A failure keeps the listing before it.
func (t *checkTerm) finish(o checkOutcome) {
	t.inflight--
	if o.gen != t.gen || t.cancel == nil {
		return // superseded: it says nothing
	}
	t.cancel()
	t.cancel = nil
	if o.stopped {
		return // the term ends
	}
	last := t.result()
	r := &CheckResult{Listing: o.listing, Promotion: o.promotion, CheckedAt: o.at, Err: o.err}
	var before error
	if last != nil {
		before = last.Err
		if o.err != nil {
			r.Listing, r.Promotion = last.Listing, last.Promotion
		}
	}
	t.checker.metrics.ReleaseCheck(o.err)
	t.checker.logChange(before, o.err)
	t.published.Store(r)
	select {
	case t.wake <- struct{}{}:
	default: // the Controller has yet to read the last one
	}
}

// supersede cancels the running check, if any; its outcome is dropped.
func (t *checkTerm) supersede() {
	if t.cancel != nil {
		t.cancel()
		t.cancel = nil
	}
}

// stopAll cancels the running check and waits for every check goroutine
// of the term, superseded ones too: none outlives run.
func (t *checkTerm) stopAll() {
	t.supersede()
	for ; t.inflight > 0; t.inflight-- {
		<-t.ended
	}
}
