package worker

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/necoship/neco/pkg/decide"
	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/plan"
	"github.com/necoship/neco/pkg/storage"
)

// scaleCounters are what the simulated workers of BenchmarkBarrierScale
// cost etcd, summed over all of them.
type scaleCounters struct {
	rpcs        atomic.Int64 // KV requests their clients sent: Range, Put, Txn...
	readBytes   atomic.Int64 // bytes of the KV responses their clients received
	watchBytes  atomic.Int64 // keys and values of the watch events the loops took
	snapshots   atomic.Int64 // Store.WorkerSnapshot calls (loop rounds)
	reports     atomic.Int64 // Store.PutWorkerStatus calls
	waitReports atomic.Int64 // of which rolling waits ("waiting for ...")
	records     atomic.Int64 // op.Records calls (install/, contents/)
	events      atomic.Int64 // watch events delivered to the loops
	// inflight counts the KV requests sent and not answered yet: a
	// round's snapshot is counted when it is asked for, its bytes when
	// the answer comes.
	inflight atomic.Int64
}

// scaleCounts is one reading of scaleCounters.
type scaleCounts struct {
	rpcs, readBytes, watchBytes, snapshots, reports, waitReports, records, events int64
}

func (c *scaleCounters) load() scaleCounts {
	return scaleCounts{rpcs: c.rpcs.Load(), readBytes: c.readBytes.Load(), watchBytes: c.watchBytes.Load(),
		snapshots: c.snapshots.Load(), reports: c.reports.Load(), waitReports: c.waitReports.Load(),
		records: c.records.Load(), events: c.events.Load()}
}

func (a scaleCounts) sub(b scaleCounts) scaleCounts {
	return scaleCounts{rpcs: a.rpcs - b.rpcs, readBytes: a.readBytes - b.readBytes, watchBytes: a.watchBytes - b.watchBytes,
		snapshots: a.snapshots - b.snapshots, reports: a.reports - b.reports, waitReports: a.waitReports - b.waitReports,
		records: a.records - b.records, events: a.events - b.events}
}

func (a scaleCounts) add(b scaleCounts) scaleCounts {
	return scaleCounts{rpcs: a.rpcs + b.rpcs, readBytes: a.readBytes + b.readBytes, watchBytes: a.watchBytes + b.watchBytes,
		snapshots: a.snapshots + b.snapshots, reports: a.reports + b.reports, waitReports: a.waitReports + b.waitReports,
		records: a.records + b.records, events: a.events + b.events}
}

// countingKV counts every KV request of one etcd client, and the bytes
// of the responses it receives (their protobuf size, as sent on the
// wire). A Snapshot is a Txn and a Get, so the Store's calls alone would
// undercount requests.
type countingKV struct {
	clientv3.KV
	c *scaleCounters
}

// start counts a request sent; the func it returns counts its answer.
func (k countingKV) start() func(size int) {
	k.c.rpcs.Add(1)
	k.c.inflight.Add(1)
	return func(size int) {
		k.c.readBytes.Add(int64(size))
		k.c.inflight.Add(-1)
	}
}

func (k countingKV) Put(ctx context.Context, key, val string, opts ...clientv3.OpOption) (*clientv3.PutResponse, error) {
	done := k.start()
	resp, err := k.KV.Put(ctx, key, val, opts...)
	done((*pb.PutResponse)(resp).Size())
	return resp, err
}

func (k countingKV) Get(ctx context.Context, key string, opts ...clientv3.OpOption) (*clientv3.GetResponse, error) {
	done := k.start()
	resp, err := k.KV.Get(ctx, key, opts...)
	done((*pb.RangeResponse)(resp).Size())
	return resp, err
}

func (k countingKV) Delete(ctx context.Context, key string, opts ...clientv3.OpOption) (*clientv3.DeleteResponse, error) {
	done := k.start()
	resp, err := k.KV.Delete(ctx, key, opts...)
	done((*pb.DeleteRangeResponse)(resp).Size())
	return resp, err
}

func (k countingKV) Compact(ctx context.Context, rev int64, opts ...clientv3.CompactOption) (*clientv3.CompactResponse, error) {
	done := k.start()
	resp, err := k.KV.Compact(ctx, rev, opts...)
	done(0)
	return resp, err
}

func (k countingKV) Do(ctx context.Context, o clientv3.Op) (clientv3.OpResponse, error) {
	done := k.start()
	resp, err := k.KV.Do(ctx, o)
	done((*pb.RangeResponse)(resp.Get()).Size() + (*pb.TxnResponse)(resp.Txn()).Size())
	return resp, err
}

// Txn counts when the transaction is built, its answer when it is
// committed: storage commits every one it builds.
func (k countingKV) Txn(ctx context.Context) clientv3.Txn {
	return countingTxn{Txn: k.KV.Txn(ctx), done: k.start()}
}

// countingTxn counts the bytes of a transaction's response.
type countingTxn struct {
	clientv3.Txn
	done func(size int)
}

func (t countingTxn) If(cs ...clientv3.Cmp) clientv3.Txn {
	return countingTxn{Txn: t.Txn.If(cs...), done: t.done}
}

func (t countingTxn) Then(ops ...clientv3.Op) clientv3.Txn {
	return countingTxn{Txn: t.Txn.Then(ops...), done: t.done}
}

func (t countingTxn) Else(ops ...clientv3.Op) clientv3.Txn {
	return countingTxn{Txn: t.Txn.Else(ops...), done: t.done}
}

func (t countingTxn) Commit() (*clientv3.TxnResponse, error) {
	resp, err := t.Txn.Commit()
	t.done((*pb.TxnResponse)(resp).Size())
	return resp, err
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
func (c *countingStore) StatusTurnsKey() string                    { return c.st.StatusTurnsKey() }

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
				c.total.watchBytes.Add(int64(len(ev.Key) + len(ev.Value)))
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
	// turns is how many turns records the updater wrote.
	turns int64
	// cpu is the CPU time the site spent from the first barrier to the
	// end of the update: this process (the workers and etcd) and
	// neco-updater's.
	cpu time.Duration
}

func newScaleMeasure(steps int) scaleMeasure {
	return scaleMeasure{wall: make([]time.Duration, steps), cost: make([]scaleCounts, steps)}
}

func (m *scaleMeasure) add(u scaleMeasure) {
	m.updates += u.updates
	m.backlog += u.backlog
	m.turns += u.turns
	m.cpu += u.cpu
	m.ended = m.ended.add(u.ended)
	for k := range m.wall {
		m.wall[k] += u.wall[k]
		m.cost[k] = m.cost[k].add(u.cost[k])
	}
}

// scaleResult is what logGrowth compares between two sizes.
type scaleResult struct {
	nsPerStep, reqs, events, rounds, bytes float64 // the last four per worker per step
}

// report reports the metrics of b and logs where time and requests went.
// The log stays within the ten lines a benchmark's output is cut to.
func (m scaleMeasure) report(b *testing.B, s *scaleSite) scaleResult {
	var total, rollingCost scaleCounts
	var wall, rollingWall time.Duration
	rolling := 0
	for k, st := range s.steps {
		wall += m.wall[k]
		total = total.add(m.cost[k])
		if st.Service != nil && st.Service.Strategy == plan.StrategyRolling {
			rollingWall += m.wall[k]
			rollingCost = rollingCost.add(m.cost[k])
			rolling++
		}
	}
	steps := float64(m.updates * len(s.steps))
	perWorkerStep := steps * float64(s.n)
	r := scaleResult{nsPerStep: float64(wall.Nanoseconds()) / steps, reqs: float64(total.rpcs) / perWorkerStep,
		events: float64(total.events) / perWorkerStep, rounds: float64(total.snapshots) / perWorkerStep,
		bytes: float64(total.readBytes) / perWorkerStep}
	b.ReportMetric(r.nsPerStep, "ns/step")
	b.ReportMetric(float64((wall-rollingWall).Nanoseconds())/float64(m.updates*(len(s.steps)-rolling)), "ns/barrier-step")
	b.ReportMetric(float64(rollingWall.Nanoseconds())/float64(m.updates*rolling), "ns/rolling-step")
	b.ReportMetric(r.reqs, "etcd-req/worker/step")
	b.ReportMetric(r.events, "events/worker/step")
	b.ReportMetric(r.rounds, "rounds/worker/step")
	b.ReportMetric(float64(total.reports)/perWorkerStep, "reports/worker/step")
	// Bytes of the KV responses a worker's client received, and of the
	// watch events its loop took (keys and values): per step, and in the
	// rolling step alone (what it caused until the update's next barrier).
	b.ReportMetric(r.bytes, "read-B/worker/step")
	b.ReportMetric(float64(total.watchBytes)/perWorkerStep, "watch-B/worker/step")
	// CPU time over wall time: how many of the machine's cores the site
	// kept busy. At the machine's core count, CPU bounds it.
	b.ReportMetric(m.cpu.Seconds()/wall.Seconds(), "cores-busy")
	perRolling := float64(m.updates*rolling) * float64(s.n)
	b.ReportMetric(float64(rollingCost.readBytes)/perRolling, "read-B/worker/rolling-step")
	b.Logf("%d updates of %d steps on %d workers; per update: %s, then %s of backlog; %.1f turns records written", m.updates, len(s.steps), s.n,
		(wall / time.Duration(m.updates)).Round(time.Millisecond), (m.backlog / time.Duration(m.updates)).Round(time.Millisecond),
		float64(m.turns)/float64(m.updates))
	m.logSteps(b, s)
	// The updater's highest resident set over the site's updates (VmHWM):
	// it reads every report.
	if peak, err := s.updater.PeakRSS(); err != nil {
		b.Errorf("neco-updater: %v", err)
	} else {
		b.ReportMetric(float64(peak)/(1<<20), "updater-peak-rss-MiB")
	}
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
		parts[k] += fmt.Sprintf(" %.0fB", perUpdate(m.cost[k].readBytes, m, s))
	}
	b.Logf("per step: wall per update, reports and bytes read per worker: %s", strings.Join(parts, "; "))
}

func perUpdate(n int64, m scaleMeasure, s *scaleSite) float64 {
	return float64(n) / float64(m.updates*s.n)
}

// logGrowth logs how the per-step figures grew from n0 to n1 workers:
// etcd work linear in the number of workers keeps the per-worker ratios
// at x1.
func logGrowth(b *testing.B, n0 int, r0 scaleResult, n1 int, r1 scaleResult) {
	b.Logf("from %d to %d workers (x%g): ns/step x%.1f, etcd-req/worker/step x%.2f, events/worker/step x%.2f, rounds/worker/step x%.2f, read-B/worker/step x%.2f",
		n0, n1, float64(n1)/float64(n0), r1.nsPerStep/r0.nsPerStep, r1.reqs/r0.reqs, r1.events/r0.events, r1.rounds/r0.rounds, r1.bytes/r0.bytes)
}
