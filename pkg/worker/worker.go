package worker

import (
	"context"
	"errors"
	"time"

	"go.uber.org/zap"

	"github.com/necoship/neco/pkg/config"
	"github.com/necoship/neco/pkg/daemon"
	"github.com/necoship/neco/pkg/metrics"
	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/op"
	"github.com/necoship/neco/pkg/storage"
)

// Store is what the worker needs from etcd; *storage.Storage is one.
type Store interface {
	op.Records
	WorkerSnapshot(ctx context.Context, v storage.WorkerView) (model.Snapshot, error)
	WatchAll(ctx context.Context, afterRev int64, targets ...storage.WatchTarget) <-chan storage.WatchEvent
	WorkerWatchTargets() []storage.WatchTarget
	StatusTurnsKey() string
	PutWorkerStatus(ctx context.Context, lrn int, w model.WorkerStatus) error
}

var _ Store = (*storage.Storage)(nil)

// Defaults of the loop's timing. The tick is a safety net, not a poll:
// whatever a decision turns on is watched (watches) or timed (a retry
// pause, an alert gate's recheck, a waiting report's heartbeat). A short tick would cost
// every server a snapshot per tick, and a slow rolling step on a large
// site more rounds the slower it gets.
const (
	defaultTick      = time.Minute
	defaultHeartbeat = time.Minute
	// defaultProgressDelay is how long a step, and then each of its
	// commands, runs before the report says so. Most take less: reporting
	// each would cost every server a write per command, most of a step's
	// etcd traffic on a large site, and a report naming a command already
	// done tells nobody anything.
	defaultProgressDelay = time.Second
	defaultRetryPause    = 10 * time.Second
	defaultAttempts      = 3
)

// Worker is the loop of one boot server. Set the fields, then call Run.
type Worker struct {
	Store Store
	LRN   int
	// Infra returns the executors for one op; cfg is the cluster config
	// of the snapshot that decided it (repository, token, proxy).
	Infra func(cfg config.Cluster) op.Infra
	// Plans reads the installed plan for every decision.
	Plans  op.Plans
	Leader *Leadership
	// Metrics and Supervisor may be nil (tests that do not look).
	Metrics    *metrics.Worker
	Supervisor *daemon.Supervisor
	// PrepareTimeout bounds step 0.
	PrepareTimeout time.Duration
	Log            *zap.Logger
	// Now, Tick (re-evaluation without etcd changes), Heartbeat (report
	// refresh while an op or a wait lasts), ProgressDelay (how long a step
	// or command runs before it is reported), RetryPause and Attempts (a
	// failed op is retried, then the worker aborts) have defaults; tests
	// change them.
	Now           func() time.Time
	Tick          time.Duration
	Heartbeat     time.Duration
	ProgressDelay time.Duration
	RetryPause    time.Duration
	Attempts      int

	job      *job
	pending  unreported // a finished step's report etcd did not take
	notes    notes
	failures failures
	turn     turn
	said     daemon.Repeats
	log      *zap.Logger // Log, with the update_id of the round's update
	watches  watches
	// seen is the revision of the last snapshot decided on: an event at
	// or before it changes nothing.
	seen int64
	// updateID is the update of the last snapshot, whose history entry
	// the next one reads in its transaction.
	updateID int64
}

// Run works until ctx ends (nil) or an op asks for a restart
// (op.ErrRestart, after a self-update). A running op is cancelled and
// waited for before Run returns.
func (w *Worker) Run(ctx context.Context) error {
	w.defaults()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer w.stopJob(errShutdown)
	w.watches = watches{store: w.Store}
	defer w.watches.closeAll()
	decideAgain := true
	for {
		w.Supervisor.Beat()
		if err := w.round(ctx, decideAgain); err != nil {
			if errors.Is(err, op.ErrRestart) || ctx.Err() != nil {
				return w.end(ctx, err)
			}
			w.said.Error(w.log, w.Now(), "worker round failed", err)
		}
		wk := w.wait(ctx)
		if wk.done {
			return w.end(ctx, nil)
		}
		decideAgain = wk.decide
	}
}

func (w *Worker) end(ctx context.Context, err error) error {
	if errors.Is(err, op.ErrRestart) {
		return err
	}
	if ctx.Err() != nil {
		return nil
	}
	return err
}

func (w *Worker) defaults() {
	if w.Now == nil {
		w.Now = time.Now
	}
	for _, d := range []struct {
		p   *time.Duration
		def time.Duration
	}{{&w.Tick, defaultTick}, {&w.Heartbeat, defaultHeartbeat}, {&w.ProgressDelay, defaultProgressDelay}, {&w.RetryPause, defaultRetryPause}} {
		if *d.p <= 0 {
			*d.p = d.def
		}
	}
	if w.Attempts <= 0 {
		w.Attempts = defaultAttempts
	}
	if w.Leader == nil {
		w.Leader = NewLeadership()
	}
	w.log = w.Log
}

// wake says why wait returned.
type wake struct {
	// decide: read a snapshot and decide again. Without it only a job
	// ended, whose Done report needs no further decision when it
	// succeeded.
	decide bool
	done   bool
}

// wait blocks until something may have changed: etcd, the running job,
// leadership, the end of a retry pause or a timed wait, or the tick (shorter when
// the watchdog wants a beat sooner). Watch events the last snapshot
// already held, and turns records that cannot end a rolling wait, are passed
// over without a round.
func (w *Worker) wait(ctx context.Context) wake {
	t := time.NewTimer(w.waitFor())
	defer t.Stop()
	var jobDone <-chan struct{}
	if w.job != nil {
		jobDone = w.job.done
	}
	for {
		select {
		case <-ctx.Done():
			return wake{done: true}
		case <-t.C:
			return wake{decide: true}
		case <-jobDone:
			return wake{}
		case <-w.Leader.Changed():
			return wake{decide: true}
		case ev, open := <-w.watches.core.events:
			if w.watches.news(ev, open, w.seen, false) {
				return wake{decide: true}
			}
		case ev, open := <-w.watches.turns.events:
			if w.watches.news(ev, open, w.seen, true) {
				return wake{decide: true}
			}
		}
	}
}

// waitFor is how long wait may block without news: the tick, or less
// when a retry pause or a timed wait ends sooner, a waiting report is
// due, or a report etcd did not take is to be tried again.
func (w *Worker) waitFor() time.Duration {
	d := w.Supervisor.MaxWait(w.Tick)
	now := w.Now()
	turn := w.turn.wakeAt(w.Heartbeat)
	for _, t := range append(turn[:], w.failures.until, w.pending.wakeAt()) {
		if until := t.Sub(now); until > 0 && until < d {
			d = until
		}
	}
	return d
}
