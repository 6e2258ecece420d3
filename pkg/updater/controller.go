package updater

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/necoship/neco/pkg/config"
	"github.com/necoship/neco/pkg/daemon"
	"github.com/necoship/neco/pkg/decide"
	"github.com/necoship/neco/pkg/leader"
	"github.com/necoship/neco/pkg/metrics"
	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/notify"
	"github.com/necoship/neco/pkg/storage"
)

// Store is what the Controller needs from etcd; *storage.Storage is one.
type Store interface {
	Snapshot(ctx context.Context) (model.Snapshot, error)
	SnapshotWatchTargets() []storage.WatchTarget
	WatchAll(ctx context.Context, afterRev int64, targets ...storage.WatchTarget) <-chan storage.WatchEvent
	PutReleaseCheck(ctx context.Context, leaderKey string, c model.ReleaseCheck) error
	StartUpdate(ctx context.Context, leaderKey string, u model.Update, b model.Barrier) error
	AdvanceBarrier(ctx context.Context, leaderKey string, b model.Barrier) error
	PutTurns(ctx context.Context, leaderKey string, t model.Turns) error
	FinishUpdate(ctx context.Context, leaderKey string, cur model.Update, h model.HistoryEntry) error
	PutSeenRelease(ctx context.Context, leaderKey string, r model.SeenRelease) error
	PutCandidate(ctx context.Context, leaderKey string, c model.Candidate) error
	RequestAutoRollback(ctx context.Context, leaderKey string, atRev int64, req model.RollbackRequest, hold model.Hold) error
	SetWindowPause(ctx context.Context, leaderKey string, atRev int64, u model.Update) error
	PutGateState(ctx context.Context, leaderKey string, g model.GateState) error
	AnswerCheck(ctx context.Context, leaderKey string, a model.CheckAnswer) error
	PutPromotion(ctx context.Context, leaderKey string, p model.Promotion) error
}

var _ Store = (*storage.Storage)(nil)

// Notifier tells people about updates, through the endpoints that cfg
// names; it must never block.
type Notifier interface {
	Notify(cfg config.Cluster, e notify.Event)
}

// Constant log field keys.
const (
	keyUpdateID    = daemon.KeyUpdateID
	keyVersion     = "version"
	keyAction      = "action"
	keyReason      = "reason"
	keyKey         = "key"
	keyCount       = "count"
	keyAlerts      = "alerts"
	keyEvery       = "every"
	keyBy          = "by"
	keyEnvironment = "environment"
)

// statusFollowing is the STATUS= line of an updater that does not lead.
const statusFollowing = "following: another neco-updater leads; campaigning"

var errUnknownConfigKey = errors.New("unknown config key (set by a newer neco?); ignored")

// defaultTick is how often the Controller re-evaluates with no etcd change:
// timeouts are measured against the clock. Release checks keep their own
// timer; each round's tell lets them read the clock too (a test's, which
// moves without any timer).
const defaultTick = 5 * time.Second

// Controller is the loop of the elected neco-updater: observe, decide,
// record, tell. It runs only while this process holds leadership (see
// Run); the election itself is pkg/leader's.
type Controller struct {
	Store    Store
	Checker  *ReleaseChecker // runs each term's release checks beside the loop
	Notifier Notifier
	// Trigger forces a release check at once (the webhook fires it).
	Trigger interface{ C() <-chan struct{} }
	// Gate answers the alert gate; nil: no gate is ever asked.
	Gate AlertGate
	Log  *zap.Logger
	// Metrics and Supervisor may be nil (tests that do not look).
	Metrics    *metrics.Updater
	Supervisor *daemon.Supervisor
	// Now and Tick are replaced by tests.
	Now  func() time.Time
	Tick time.Duration

	leading atomic.Bool
	checks  *checkTerm  // this term's release checks
	log     *zap.Logger // Log, with the running update's update_id
	said    daemon.Repeats
	invalid map[string]bool // keys already reported as invalid
	// seen is the revision of the last snapshot decided on: an event at
	// or before it changes nothing.
	seen int64
	// asked is the check request this term answers next.
	asked checkAsked
	// reports dates the reports this term saw, on this clock.
	reports reportsSeen
	// wakeAt is when the last decision wants to be made again even
	// without news (its Until: a soak at a rolling step ends); zero for
	// none.
	wakeAt time.Time
}

// Run runs the loop for one term of leadership; it is the leader.LeadFunc
// that neco-updater's election calls. It returns when ctx ends (shutdown or
// lost leadership) or a write is refused because this process is no longer
// leader; every other failure is logged and retried.
func (c *Controller) Run(ctx context.Context, term leader.Term) error {
	c.Log.Info("leading", zap.String(keyKey, term.Key))
	c.leading.Store(true)
	c.Metrics.Leading(true)
	defer func() {
		c.leading.Store(false)
		c.Metrics.Leading(false)
		c.Supervisor.Status(statusFollowing)
	}()
	// Release checks run beside the loop, for this term only: Run returns
	// once they have ended.
	ctx, cancel := context.WithCancel(ctx)
	c.checks = c.Checker.start(ctx, c.Now)
	defer c.checks.wait()
	defer cancel()
	var events <-chan storage.WatchEvent
	var force bool // a release check was asked for
	c.seen, c.asked, c.reports = 0, checkAsked{}, reportsSeen{}
	for {
		c.Supervisor.Beat()
		err := c.step(ctx, term.Key, force)
		switch {
		case errors.Is(err, storage.ErrNoLeader):
			return err
		case ctx.Err() != nil:
			return ctx.Err()
		case err != nil:
			c.logError(err)
		}
		if events == nil && c.seen > 0 {
			// From the snapshot on, so that no change in between is
			// missed; the keys it read, so that install/ is not watched.
			events = c.Store.WatchAll(ctx, c.seen, c.Store.SnapshotWatchTargets()...)
		}
		w := c.wait(ctx, events)
		if w.done {
			return ctx.Err()
		}
		if w.watchEnded {
			// Compacted past what we watched, or etcd went away: watch
			// again from the next snapshot.
			events = nil
		}
		force = w.force
	}
}

// wake says why wait returned.
type wake struct {
	force      bool // a release check was requested
	watchEnded bool // the etcd watch closed and must be restarted
	done       bool // ctx ended
}

// wait blocks until something may have changed: an etcd event newer than
// the last snapshot, a release trigger, a finished release check or the
// tick. Events the snapshot already held are passed over: a burst of N
// reports read by one round costs one round, not N.
func (c *Controller) wait(ctx context.Context, events <-chan storage.WatchEvent) wake {
	tick := time.NewTimer(c.tick())
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return wake{done: true}
		case <-c.Trigger.C():
			return wake{force: true}
		case <-tick.C:
			return wake{}
		case <-c.checks.finished():
			return wake{}
		case ev, open := <-events:
			switch {
			case !open || ev.Compacted:
				return wake{watchEnded: true, done: ctx.Err() != nil}
			case ev.Revision > c.seen:
				return wake{}
			}
		}
	}
}

// tick is the longest wait between two rounds: the configured tick, or
// shorter when the watchdog wants a beat sooner or the last decision
// wants to be made again sooner (the turns a soak held open then).
func (c *Controller) tick() time.Duration {
	d := defaultTick
	if c.Tick > 0 {
		d = c.Tick
	}
	d = c.Supervisor.MaxWait(d)
	if until := c.wakeAt.Sub(c.Now()); until > 0 && until < d {
		d = until
	}
	return d
}

// Leading reports whether this process is in a term of leadership.
func (c *Controller) Leading() bool { return c.leading.Load() }

// step is one observe-decide-record-tell round.
func (c *Controller) step(ctx context.Context, leaderKey string, force bool) error {
	c.wakeAt = time.Time{}
	snap, err := c.Store.Snapshot(ctx)
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	c.seen = snap.Revision
	c.log = c.roundLog(snap)
	c.observe(snap)
	cfg, unknown, err := config.ParseCluster(snap.Config)
	invalid := snap.Invalid
	for _, k := range unknown {
		invalid = append(invalid, model.InvalidKey{Key: "config/" + k, Err: errUnknownConfigKey})
	}
	c.reportInvalid(invalid)
	if err != nil {
		return fmt.Errorf("cluster config: %w", err)
	}
	now := c.Now()
	if c.takeCheckRequest(snap.CheckRequest, now) {
		force = true
	}
	if err := c.checks.tell(ctx, cfg, force); err != nil {
		return err
	}
	checked := c.checks.result()
	if err := c.recordCheck(ctx, leaderKey, snap.Check, checked); err != nil {
		return err
	}
	if snap.Gate, err = c.recordGate(ctx, leaderKey, cfg, snap.Gate); err != nil {
		return err
	}
	latest := checked.Latest(cfg)
	if snap.Promotion, err = c.recordPromotion(ctx, leaderKey, snap.Promotion, checked.PromotionFor(cfg)); err != nil {
		return err
	}
	if err := c.answerCheck(ctx, leaderKey, snap.Seen, checked, latest); err != nil {
		return err
	}
	if err := c.recordSeen(ctx, leaderKey, snap.Seen, latest); err != nil {
		return err
	}
	act := decide.NextAction(decide.UpdaterInput{Snapshot: snap, Config: cfg, Latest: latest, Now: now,
		SeenAt: c.reports.at(snap, now)})
	c.wakeAt = act.Until
	c.Supervisor.Status(statusLine(snap, act))
	return c.apply(ctx, leaderKey, cfg, act)
}
