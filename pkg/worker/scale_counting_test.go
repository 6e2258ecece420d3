package worker

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/necoship/neco/pkg/decide"
	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/op"
	"github.com/necoship/neco/pkg/plan"
	"github.com/necoship/neco/pkg/storage"
)

// scaleCounters are what the simulated workers of BenchmarkBarrierScale
// cost etcd, summed over all of them.
type scaleCounters struct {
	rpcs        atomic.Int64 // KV requests their clients sent: Range, Put, Txn...
	snapshots   atomic.Int64 // Store.WorkerSnapshot calls (loop rounds)
	reports     atomic.Int64 // Store.PutWorkerStatus calls
	waitReports atomic.Int64 // of which rolling waits ("waiting for ...")
	records     atomic.Int64 // op.Records calls (install/, contents/)
	events      atomic.Int64 // watch events delivered to the loops
}

// scaleCounts is one reading of scaleCounters.
type scaleCounts struct {
	rpcs, snapshots, reports, waitReports, records, events int64
}

func (c *scaleCounters) load() scaleCounts {
	return scaleCounts{rpcs: c.rpcs.Load(), snapshots: c.snapshots.Load(), reports: c.reports.Load(),
		waitReports: c.waitReports.Load(), records: c.records.Load(), events: c.events.Load()}
}

func (a scaleCounts) sub(b scaleCounts) scaleCounts {
	return scaleCounts{rpcs: a.rpcs - b.rpcs, snapshots: a.snapshots - b.snapshots, reports: a.reports - b.reports,
		waitReports: a.waitReports - b.waitReports, records: a.records - b.records, events: a.events - b.events}
}

func (a scaleCounts) add(b scaleCounts) scaleCounts {
	return scaleCounts{rpcs: a.rpcs + b.rpcs, snapshots: a.snapshots + b.snapshots, reports: a.reports + b.reports,
		waitReports: a.waitReports + b.waitReports, records: a.records + b.records, events: a.events + b.events}
}

// countingKV counts every KV request of one etcd client. A Snapshot is a
// Txn and a Get, so the Store's calls alone would undercount requests.
type countingKV struct {
	clientv3.KV
	n *atomic.Int64
}

func (k countingKV) Put(ctx context.Context, key, val string, opts ...clientv3.OpOption) (*clientv3.PutResponse, error) {
	k.n.Add(1)
	return k.KV.Put(ctx, key, val, opts...)
}

func (k countingKV) Get(ctx context.Context, key string, opts ...clientv3.OpOption) (*clientv3.GetResponse, error) {
	k.n.Add(1)
	return k.KV.Get(ctx, key, opts...)
}

func (k countingKV) Delete(ctx context.Context, key string, opts ...clientv3.OpOption) (*clientv3.DeleteResponse, error) {
	k.n.Add(1)
	return k.KV.Delete(ctx, key, opts...)
}

func (k countingKV) Compact(ctx context.Context, rev int64, opts ...clientv3.CompactOption) (*clientv3.CompactResponse, error) {
	k.n.Add(1)
	return k.KV.Compact(ctx, rev, opts...)
}

func (k countingKV) Do(ctx context.Context, o clientv3.Op) (clientv3.OpResponse, error) {
	k.n.Add(1)
	return k.KV.Do(ctx, o)
}

// Txn counts when the transaction is built: storage commits every one.
func (k countingKV) Txn(ctx context.Context) clientv3.Txn {
	k.n.Add(1)
	return k.KV.Txn(ctx)
}

// countingStore is one worker's Store, counting its calls into total and
// remembering the last event its loop took, so that the benchmark knows
// when every loop has seen a revision.
type countingStore struct {
	st    *storage.Storage
	total *scaleCounters
	// delivered is the revision of the last watch event the loop took.
	delivered atomic.Int64
	// rounds counts the loop's snapshots.
	rounds atomic.Int64
}

var _ Store = (*countingStore)(nil)

func (c *countingStore) WorkerWatchTargets() []storage.WatchTarget { return c.st.WorkerWatchTargets() }
func (c *countingStore) WorkerStatusKey(lrn int) string            { return c.st.WorkerStatusKey(lrn) }

func (c *countingStore) WorkerSnapshot(ctx context.Context, v storage.WorkerView) (model.Snapshot, error) {
	c.total.snapshots.Add(1)
	c.rounds.Add(1)
	return c.st.WorkerSnapshot(ctx, v)
}

func (c *countingStore) PutWorkerStatus(ctx context.Context, lrn int, w model.WorkerStatus) error {
	c.total.reports.Add(1)
	if strings.HasPrefix(w.Message, "waiting for") {
		c.total.waitReports.Add(1)
	}
	return c.st.PutWorkerStatus(ctx, lrn, w)
}

// Watch forwards the events of the real watch, counting each the loop
// takes. The extra hop costs a goroutine switch per event, well below an
// etcd round trip.
func (c *countingStore) WatchAll(ctx context.Context, afterRev int64, targets ...storage.WatchTarget) <-chan storage.WatchEvent {
	in := c.st.WatchAll(ctx, afterRev, targets...)
	out := make(chan storage.WatchEvent)
	go func() {
		defer close(out)
		for ev := range in {
			select {
			case out <- ev:
				c.total.events.Add(1)
				c.delivered.Store(ev.Revision)
			case <-ctx.Done():
				return // the inner watch ends with ctx too
			}
		}
	}()
	return out
}

func (c *countingStore) PutInstalledDeb(ctx context.Context, lrn int, name string, v model.Version) error {
	c.total.records.Add(1)
	return c.st.PutInstalledDeb(ctx, lrn, name, v)
}

func (c *countingStore) PutInstalledImage(ctx context.Context, lrn int, name, digest string) error {
	c.total.records.Add(1)
	return c.st.PutInstalledImage(ctx, lrn, name, digest)
}

func (c *countingStore) StartContent(ctx context.Context, leaderKey, name string, v model.Version, irreversible bool) error {
	c.total.records.Add(1)
	return c.st.StartContent(ctx, leaderKey, name, v, irreversible)
}

func (c *countingStore) FinishContent(ctx context.Context, leaderKey, name string, v model.Version) error {
	c.total.records.Add(1)
	return c.st.FinishContent(ctx, leaderKey, name, v)
}

// noopServer is the executors of one simulated boot server: every command
// succeeds at once, so that only the coordination through etcd costs
// time. It remembers the version it "installed", whose plan it then
// serves, as dpkg and Plans do on a real server.
type noopServer struct {
	template plan.Plan // the plan of every release; Version is replaced

	mu        sync.Mutex
	fetched   model.Version
	installed model.Version
	has       bool
}

const benchSitePackage = "bench-site"

var errNoSuchCommand = errors.New("bench: the benchmark plan has no such command")

var (
	_ op.Releases = (*noopServer)(nil)
	_ op.Packages = (*noopServer)(nil)
	_ op.Images   = (*noopServer)(nil)
	_ op.Units    = (*noopServer)(nil)
	_ op.Commands = (*noopServer)(nil)
	_ op.Plans    = (*noopServer)(nil)
)

func (s *noopServer) FetchSite(_ context.Context, _ string, v model.Version, dir string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fetched = v
	return filepath.Join(dir, benchSitePackage+".deb"), nil
}

func (s *noopServer) FetchDeb(context.Context, plan.Deb, string) (string, error) {
	return "", errNoSuchCommand
}

func (s *noopServer) Install(context.Context, string, bool) (op.Package, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.installed, s.has = s.fetched, true
	return op.Package{Name: benchSitePackage, Version: s.installed}, nil
}

func (s *noopServer) InstallSelf(context.Context, string) (op.Package, error) {
	return op.Package{}, errNoSuchCommand
}

func (s *noopServer) Installed(context.Context, string) (model.Version, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.installed, s.has, nil
}

func (s *noopServer) Load(context.Context) (plan.Plan, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.has {
		return plan.Plan{}, fs.ErrNotExist
	}
	p := s.template
	p.Version = s.installed
	return p, nil
}

func (*noopServer) Pull(context.Context, []plan.Image) ([]op.Image, error) { return nil, nil }
func (*noopServer) Reload(context.Context) error                           { return nil }
func (*noopServer) Start(context.Context, string) error                    { return nil }
func (*noopServer) Stop(context.Context, string) error                     { return nil }
func (*noopServer) Restart(context.Context, string) error                  { return nil }
func (*noopServer) Check(context.Context, plan.Health) error               { return nil }
func (*noopServer) Run(context.Context, []string) error                    { return nil }

// scaleMeasure is the wall time and the etcd cost of each step, summed
// over updates.
type scaleMeasure struct {
	updates int
	wall    []time.Duration
	cost    []scaleCounts
	// ended is the cost until the update ended; backlog is how long the
	// loops kept working after that, through the watch events queued for
	// them.
	ended   scaleCounts
	backlog time.Duration
}

func newScaleMeasure(steps int) scaleMeasure {
	return scaleMeasure{wall: make([]time.Duration, steps), cost: make([]scaleCounts, steps)}
}

func (m *scaleMeasure) add(u scaleMeasure) {
	m.updates += u.updates
	m.backlog += u.backlog
	m.ended = m.ended.add(u.ended)
	for k := range m.wall {
		m.wall[k] += u.wall[k]
		m.cost[k] = m.cost[k].add(u.cost[k])
	}
}

// scaleResult is what logGrowth compares between two sizes.
type scaleResult struct {
	nsPerStep, reqs, events, rounds float64 // the last three per worker per step
}

// report reports the metrics of b and logs where time and requests went.
// The log stays within the ten lines a benchmark's output is cut to.
func (m scaleMeasure) report(b *testing.B, s *scaleSite) scaleResult {
	var total scaleCounts
	var wall, rollingWall time.Duration
	rolling := 0
	for k, st := range s.steps {
		wall += m.wall[k]
		total = total.add(m.cost[k])
		if st.Service != nil && st.Service.Strategy == plan.StrategyRolling {
			rollingWall += m.wall[k]
			rolling++
		}
	}
	steps := float64(m.updates * len(s.steps))
	perWorkerStep := steps * float64(s.n)
	r := scaleResult{nsPerStep: float64(wall.Nanoseconds()) / steps, reqs: float64(total.rpcs) / perWorkerStep,
		events: float64(total.events) / perWorkerStep, rounds: float64(total.snapshots) / perWorkerStep}
	b.ReportMetric(r.nsPerStep, "ns/step")
	b.ReportMetric(float64((wall-rollingWall).Nanoseconds())/float64(m.updates*(len(s.steps)-rolling)), "ns/barrier-step")
	b.ReportMetric(float64(rollingWall.Nanoseconds())/float64(m.updates*rolling), "ns/rolling-step")
	b.ReportMetric(r.reqs, "etcd-req/worker/step")
	b.ReportMetric(r.events, "events/worker/step")
	b.ReportMetric(r.rounds, "rounds/worker/step")
	b.ReportMetric(float64(total.reports)/perWorkerStep, "reports/worker/step")
	b.Logf("%d updates of %d steps on %d workers; per update: %s, then %s of backlog", m.updates, len(s.steps), s.n,
		(wall / time.Duration(m.updates)).Round(time.Millisecond), (m.backlog / time.Duration(m.updates)).Round(time.Millisecond))
	m.logSteps(b, s)
	for _, c := range []struct {
		when string
		c    scaleCounts
	}{{"until the update ended", m.ended}, {"with the backlog", total}} {
		b.Logf("per worker and update, %s: %.1f etcd requests, %.1f events, %.1f rounds, %.1f reports (%.1f waiting), %.1f records (install/)",
			c.when, perUpdate(c.c.rpcs, m, s), perUpdate(c.c.events, m, s), perUpdate(c.c.snapshots, m, s),
			perUpdate(c.c.reports, m, s), perUpdate(c.c.waitReports, m, s), perUpdate(c.c.records, m, s))
	}
	return r
}

// logSteps logs each step's wall time and reports per worker. Only
// reports are told per step: the loops take watch events (and make
// rounds) late, in the following steps and after the update.
func (m scaleMeasure) logSteps(b *testing.B, s *scaleSite) {
	parts := make([]string, len(s.steps))
	for k, st := range s.steps {
		name := st.Name
		if st.Kind == decide.StepPrepare {
			name = "prepare" // the template's version says nothing
		}
		parts[k] = fmt.Sprintf("%d %s %s %.2f", k, name, (m.wall[k] / time.Duration(m.updates)).Round(time.Millisecond),
			perUpdate(m.cost[k].reports, m, s))
		if w := m.cost[k].waitReports; w > 0 {
			parts[k] += fmt.Sprintf(" (%.2f waiting)", perUpdate(w, m, s))
		}
	}
	b.Logf("per step: wall per update, reports per worker: %s", strings.Join(parts, "; "))
}

func perUpdate(n int64, m scaleMeasure, s *scaleSite) float64 {
	return float64(n) / float64(m.updates*s.n)
}

// logGrowth logs how the per-step figures grew from n0 to n1 workers:
// etcd work linear in the number of workers keeps the per-worker ratios
// at x1.
func logGrowth(b *testing.B, n0 int, r0 scaleResult, n1 int, r1 scaleResult) {
	b.Logf("from %d to %d workers (x%d): ns/step x%.1f, etcd-req/worker/step x%.2f, events/worker/step x%.2f, rounds/worker/step x%.2f",
		n0, n1, n1/n0, r1.nsPerStep/r0.nsPerStep, r1.reqs/r0.reqs, r1.events/r0.events, r1.rounds/r0.rounds)
}
