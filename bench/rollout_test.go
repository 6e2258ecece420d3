package bench

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/necoship/neco/pkg/config"
	"github.com/necoship/neco/pkg/deb"
	"github.com/necoship/neco/pkg/images"
	"github.com/necoship/neco/pkg/leader"
	"github.com/necoship/neco/pkg/metrics"
	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/notify"
	"github.com/necoship/neco/pkg/op"
	"github.com/necoship/neco/pkg/plan"
	"github.com/necoship/neco/pkg/releases"
	"github.com/necoship/neco/pkg/storage"
	"github.com/necoship/neco/pkg/updater"
	"github.com/necoship/neco/pkg/worker"
)

// rolloutTimeout bounds one update of the overhead benchmark; it only
// turns a hang into a failure.
const rolloutTimeout = 2 * time.Minute

// group runs the daemons' parts in goroutines and stops them all: the
// in-process neco of one iteration.
type group struct {
	cancel context.CancelFunc
	ctx    context.Context
	wg     sync.WaitGroup
	mu     sync.Mutex
	errs   []error
}

func newGroup() *group {
	ctx, cancel := context.WithCancel(context.Background())
	return &group{ctx: ctx, cancel: cancel}
}

func (g *group) Go(name string, fn func(ctx context.Context) error) {
	g.wg.Go(func() {
		if err := fn(g.ctx); err != nil && !errors.Is(err, context.Canceled) {
			g.mu.Lock()
			g.errs = append(g.errs, fmt.Errorf("%s: %w", name, err))
			g.mu.Unlock()
		}
	})
}

// stop cancels everything and returns what failed on the way.
func (g *group) stop() error {
	g.cancel()
	g.wg.Wait()
	return errors.Join(g.errs...)
}

// startWorker runs neco-worker's election and loop for boot server 0 as
// worker.RunDaemon builds them, with the production timings, a dpkg root
// (worker.root) and a connected Puller; systemd is never needed (the plan
// has no services). It returns once the worker leads leader/worker/: the
// worker is up before the update starts.
func startWorker(b *testing.B, g *group, st *storage.Storage, root string, puller *images.Puller, t *timings) {
	b.Helper()
	inst, err := deb.New(deb.Options{Root: root})
	if err != nil {
		b.Fatal(err)
	}
	log := zap.NewNop()
	plans := &worker.Plans{Root: root}
	lead := worker.NewLeadership()
	cache := b.TempDir()
	w := &worker.Worker{
		Store: st, LRN: 0, Plans: plans, Leader: lead, PrepareTimeout: 30 * time.Minute, Log: log,
		Metrics: metrics.NewWorker(metrics.NewRegistry("bench")),
		Infra: func(cfg config.Cluster) op.Infra {
			return op.Infra{
				Releases: timedReleases{worker.Releases{Config: cfg, Log: log}, t},
				Packages: timedPackages{worker.Packages{Installer: inst, Self: inst}, t},
				Images:   timedImages{worker.Images{Puller: puller}, t},
				Units:    noUnits{}, Commands: worker.Commands{}, Plans: plans, Records: st,
				NecoVersion: model.MustParseVersion("1.0"), CacheDir: cache,
			}
		},
	}
	el, err := leader.New(leader.Options{Client: srv.Client(b), Key: st.LeaderWorkerKey(), Name: "boot-0", Logger: log})
	if err != nil {
		b.Fatal(err)
	}
	// Leading is told here rather than read from lead.Changed(), which
	// is the loop's wake-up: taking it would steal one.
	leading := make(chan struct{})
	var once sync.Once
	g.Go("worker leader", func(ctx context.Context) error {
		return el.Run(ctx, func(ctx context.Context, term leader.Term) error {
			once.Do(func() { close(leading) })
			return lead.Lead(ctx, term)
		})
	})
	g.Go("worker", w.Run)
	select {
	case <-leading:
	case <-time.After(rolloutTimeout):
		b.Fatal("the worker did not become worker leader")
	}
}

// startUpdater runs neco-updater's election and Controller as
// updater.RunDaemon builds them, production timings included; it finds
// the release at its first check and starts the update.
func startUpdater(b *testing.B, g *group, st *storage.Storage) {
	b.Helper()
	log := zap.NewNop()
	m := metrics.NewUpdater(metrics.NewRegistry("bench"))
	el, err := leader.New(leader.Options{Client: srv.Client(b), Key: st.LeaderUpdaterKey(), Name: "boot-0", Logger: log})
	if err != nil {
		b.Fatal(err)
	}
	ctl := &updater.Controller{Store: st, Checker: updater.NewReleaseChecker(log, m), Notifier: nopNotifier{},
		Trigger: releases.NewTrigger(), Log: log, Now: time.Now, Metrics: m}
	g.Go("updater", func(ctx context.Context) error { return el.Run(ctx, ctl.Run) })
}

type nopNotifier struct{}

func (nopNotifier) Notify(config.Cluster, notify.Event) {}

// waitFinished waits for a history entry to appear in events (the updater
// writes it when the update ends) and returns the update's entry. When
// ctx ends first, its cause is the error.
func waitFinished(ctx context.Context, st *storage.Storage, events <-chan storage.WatchEvent) (model.HistoryEntry, error) {
	for {
		select {
		case <-ctx.Done():
			return model.HistoryEntry{}, fmt.Errorf("bench: waiting for the update to end: %w", context.Cause(ctx))
		case _, ok := <-events:
			if !ok {
				return model.HistoryEntry{}, fmt.Errorf("bench: the history watch ended: %w", context.Cause(ctx))
			}
			snap, err := st.Snapshot(ctx)
			if err != nil {
				return model.HistoryEntry{}, err
			}
			if snap.Finished != nil {
				return *snap.Finished, nil
			}
		}
	}
}

// noUnits is systemd for a plan without services: never called.
type noUnits struct{}

var errNoUnits = errors.New("bench: the plan has no services; systemd is not there")

func (noUnits) Reload(context.Context) error             { return errNoUnits }
func (noUnits) Start(context.Context, string) error      { return errNoUnits }
func (noUnits) Stop(context.Context, string) error       { return errNoUnits }
func (noUnits) Restart(context.Context, string) error    { return errNoUnits }
func (noUnits) Check(context.Context, plan.Health) error { return errNoUnits }
