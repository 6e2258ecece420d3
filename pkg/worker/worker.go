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
	Prefix() string
	Snapshot(ctx context.Context) (model.Snapshot, error)
	Watch(ctx context.Context, afterRev int64, keyOrPrefix string, prefix bool) <-chan storage.WatchEvent
	PutWorkerStatus(ctx context.Context, lrn int, w model.WorkerStatus) error
}

var _ Store = (*storage.Storage)(nil)

// Defaults of the loop's timing.
const (
	defaultTick       = 5 * time.Second
	defaultHeartbeat  = time.Minute
	defaultRetryPause = 10 * time.Second
	defaultAttempts   = 3
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
	// refresh while an op or a wait lasts), RetryPause and Attempts (a
	// failed op is retried, then the worker aborts) have defaults; tests
	// shorten them.
	Now        func() time.Time
	Tick       time.Duration
	Heartbeat  time.Duration
	RetryPause time.Duration
	Attempts   int

	job      *job
	failures failures
	said     said
	log      *zap.Logger // Log, with the update_id of the round's update
}

// Run works until ctx ends (nil) or an op asks for a restart
// (op.ErrRestart, after a self-update). A running op is cancelled and
// waited for before Run returns.
func (w *Worker) Run(ctx context.Context) error {
	w.defaults()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer w.stopJob(errShutdown)
	events := w.Store.Watch(ctx, 0, w.Store.Prefix(), true)
	for {
		w.Supervisor.Beat()
		if err := w.round(ctx); err != nil {
			if errors.Is(err, op.ErrRestart) || ctx.Err() != nil {
				return w.end(ctx, err)
			}
			w.said.error(w.log, w.Now(), err)
		}
		wk := w.wait(ctx, events)
		switch {
		case wk.done:
			return w.end(ctx, nil)
		case wk.watchEnded:
			events = w.Store.Watch(ctx, 0, w.Store.Prefix(), true)
		}
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
	}{{&w.Tick, defaultTick}, {&w.Heartbeat, defaultHeartbeat}, {&w.RetryPause, defaultRetryPause}} {
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
	watchEnded bool
	done       bool
}

// wait blocks until something may have changed: etcd, the running job,
// leadership, the end of a retry pause, or the tick (shorter when the
// watchdog wants a beat sooner).
func (w *Worker) wait(ctx context.Context, events <-chan storage.WatchEvent) wake {
	d := w.Supervisor.MaxWait(w.Tick)
	if until := w.failures.until.Sub(w.Now()); until > 0 && until < d {
		d = until
	}
	t := time.NewTimer(d)
	defer t.Stop()
	var jobDone <-chan struct{}
	if w.job != nil {
		jobDone = w.job.done
	}
	select {
	case <-ctx.Done():
		return wake{done: true}
	case <-t.C:
	case <-jobDone:
	case <-w.Leader.Changed():
	case _, open := <-events:
		if !open {
			return wake{watchEnded: true, done: ctx.Err() != nil}
		}
		drain(events)
	}
	return wake{}
}

// drain coalesces a burst of events (N workers reporting) into one round.
func drain(events <-chan storage.WatchEvent) {
	for {
		select {
		case _, open := <-events:
			if !open {
				return
			}
		default:
			return
		}
	}
}
