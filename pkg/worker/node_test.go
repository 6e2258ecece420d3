package worker

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/necoship/neco/pkg/backoff"
	"github.com/necoship/neco/pkg/config"
	"github.com/necoship/neco/pkg/deb"
	"github.com/necoship/neco/pkg/deb/debtest"
	"github.com/necoship/neco/pkg/leader"
	"github.com/necoship/neco/pkg/metrics"
	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/op"
	"github.com/necoship/neco/pkg/plan"
	"github.com/necoship/neco/pkg/storage"
)

// unitEvent is one systemd job a fake Units ran, with when it ran.
type unitEvent struct {
	LRN        int
	Verb, Unit string
	Start, End time.Time
}

type unitEvents struct {
	mu   sync.Mutex
	list []unitEvent
}

func (e *unitEvents) add(ev unitEvent) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.list = append(e.list, ev)
}

// of returns the events of verb on unit, in the order they started.
func (e *unitEvents) of(verb, unit string) []unitEvent {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []unitEvent
	for _, ev := range e.list {
		if ev.Verb == verb && ev.Unit == unit {
			out = append(out, ev)
		}
	}
	slices.SortFunc(out, func(a, b unitEvent) int { return a.Start.Compare(b.Start) })
	return out
}

// fakeUnits stands in for systemd, which cannot run here as PID 1 (the
// data-center test proves the real thing); each job takes hold, so that
// overlapping restarts would show in the timestamps. A job first waits for
// gate to be closed, when there is one: a test holds a step in the state it
// asserts, instead of hoping to catch it within hold.
type fakeUnits struct {
	lrn    int
	events *unitEvents
	hold   time.Duration
	gate   <-chan struct{}
}

var _ op.Units = (*fakeUnits)(nil)

func (f *fakeUnits) job(ctx context.Context, verb, unit string) error {
	start := time.Now()
	err := f.waitGate(ctx)
	if err == nil {
		err = backoff.Sleep(ctx, f.hold)
	}
	if err != nil {
		f.events.add(unitEvent{LRN: f.lrn, Verb: "interrupted " + verb, Unit: unit, Start: start, End: time.Now()})
		return err
	}
	f.events.add(unitEvent{LRN: f.lrn, Verb: verb, Unit: unit, Start: start, End: time.Now()})
	return nil
}

func (f *fakeUnits) waitGate(ctx context.Context) error {
	if f.gate == nil {
		return nil
	}
	select {
	case <-f.gate:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (f *fakeUnits) Reload(context.Context) error                { return nil }
func (f *fakeUnits) Start(ctx context.Context, u string) error   { return f.job(ctx, "start", u) }
func (f *fakeUnits) Stop(ctx context.Context, u string) error    { return f.job(ctx, "stop", u) }
func (f *fakeUnits) Restart(ctx context.Context, u string) error { return f.job(ctx, "restart", u) }
func (f *fakeUnits) Check(ctx context.Context, h plan.Health) error {
	return f.job(ctx, "check", h.HTTP)
}

// node is one boot server of a site: its own dpkg root and counters.
type node struct {
	lrn  int
	root string
	// dpkgInstalls counts dpkg -i runs on this node, self-updates included.
	dpkgInstalls atomic.Int64
	selfInstalls atomic.Int64
	// images pulls the plan's images; nil: plans must have none.
	images      op.Images
	necoVersion model.Version
	hold        time.Duration // how long each systemd job takes
	// gate, when set, holds every systemd job of the node until closed.
	gate chan struct{}
	// exited is closed when the last run's worker loop returned by itself.
	exited <-chan struct{}
	// metricsURL is the last run's /metrics.
	metricsURL string
	// cache is the worker's download directory, kept across runs.
	cache string
	// wrapStore, when set, stands between the worker and its etcd.
	wrapStore func(Store) Store
}

func (s *site) newNode(lrn int) *node {
	return &node{lrn: lrn, root: debtest.NewRoot(s.t), necoVersion: model.MustParseVersion("1.0"), hold: 50 * time.Millisecond,
		cache: s.t.TempDir()}
}

// installer returns a dpkg installer on the node's root that counts dpkg -i.
func (n *node) installer(t *testing.T, counter *atomic.Int64) *deb.Installer {
	t.Helper()
	run := func(ctx context.Context, argv []string) ([]byte, []byte, error) {
		if counter != nil && slices.Contains(argv, "-i") {
			counter.Add(1)
		}
		return deb.Exec(ctx, argv)
	}
	i, err := deb.New(deb.Options{Root: n.root, Run: run})
	if err != nil {
		t.Fatal(err)
	}
	return i
}

// run starts the node's neco-worker: worker leader campaign and loop, with
// real releases, dpkg and (when set) containerd, and fake systemd. The
// returned stop ends it like a kill: nothing is reported on the way out.
func (s *site) run(n *node) (stop func() error) {
	s.t.Helper()
	client := s.client()
	st := storage.New(client, s.st.Prefix())
	log := s.log.With(zap.Int(keyLRN, n.lrn))
	lead := NewLeadership()
	el, err := leader.New(leader.Options{Client: client, Key: st.LeaderWorkerKey(), Name: fmt.Sprintf("boot-%d", n.lrn), TTL: time.Second, Logger: log})
	if err != nil {
		s.t.Fatal(err)
	}
	pkgs := Packages{Installer: n.installer(s.t, &n.dpkgInstalls), Self: n.installer(s.t, &n.selfInstalls)}
	cache := n.cache
	plans := &Plans{Root: n.root}
	reg := metrics.NewRegistry(n.necoVersion.String())
	n.metricsURL = serveMetrics(s.t, reg)
	var ws Store = st
	if n.wrapStore != nil {
		ws = n.wrapStore(st)
	}
	w := &Worker{
		Store: ws, LRN: n.lrn, Plans: plans, Leader: lead, PrepareTimeout: time.Minute, Log: log, Metrics: metrics.NewWorker(reg),
		Tick: 100 * time.Millisecond, RetryPause: 100 * time.Millisecond,
		Infra: func(cfg config.Cluster) op.Infra {
			return op.Infra{
				Releases: Releases{Config: cfg, Log: log}, Packages: pkgs, Images: n.images,
				Units: &fakeUnits{lrn: n.lrn, events: s.events, hold: n.hold, gate: n.gate}, Commands: Commands{},
				Plans: plans, Records: st, NecoVersion: n.necoVersion, CacheDir: cache,
			}
		},
	}
	stopLeader, _ := s.background(fmt.Sprintf("worker leader %d", n.lrn), func(ctx context.Context) error { return el.Run(ctx, lead.Lead) })
	stopWorker, exited := s.background(fmt.Sprintf("worker %d", n.lrn), w.Run)
	n.exited = exited
	return func() error {
		err := stopWorker()
		if lerr := stopLeader(); err == nil {
			err = lerr
		}
		return err
	}
}
