package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/necoship/neco/pkg/config"
	"github.com/necoship/neco/pkg/daemon/daemontest"
	"github.com/necoship/neco/pkg/decide"
	"github.com/necoship/neco/pkg/etcdtest"
	"github.com/necoship/neco/pkg/mirror"
	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/op"
	"github.com/necoship/neco/pkg/plan"
	"github.com/necoship/neco/pkg/storage"
)

const (
	// maxWorkersEnv skips the sub-benchmarks with more workers.
	maxWorkersEnv = "NECO_BENCH_MAX_WORKERS"
	// A broken run fails instead of hanging; no time is asserted. The
	// loops may keep working through queued watch events after an update
	// ended (see settle): they get longer, as long as they progress.
	scaleUpdateTimeout  = 5 * time.Minute
	scaleBacklogTimeout = 30 * time.Minute
	scaleStall          = time.Minute
	scaleReadyTimeout   = time.Minute
	// scaleQuiet is how long every counter must stand still before the
	// loops count as idle (the end of one update's accounting).
	scaleQuiet = 50 * time.Millisecond
	scaleRepo  = "example/site"
)

// scalePlan has five barrier steps (0 prepare, 1 bench-a, 2 and 3 the stop
// and start of bench-b, 5 bench-c) and one rolling step (4 bench-r, whose
// max-unavailable is filled in). The rolling step is not the last, so that
// its figures leave out the update's end (the history entry and the final
// status/current, which every worker reads then: the last step's window
// holds them), as step 0's hold its start.
const scalePlan = `version: "0"
services:
  - {unit: bench-a.service, strategy: anytime}
  - {unit: bench-b.service, strategy: stop-all}
  - {unit: bench-r.service, strategy: rolling, max-unavailable: %d}
  - {unit: bench-c.service, strategy: anytime}
`

// BenchmarkBarrierScale measures the barrier protocol as the number of boot
// servers grows: N workers, each the real Worker loop on its own etcd
// client (as each neco-worker has one) with executors that succeed at once
// (noopServer), and neco-updater, the shipped build run as a process (its
// peak RSS is reported), all on the package's embedded etcd. One op is one whole update of scalePlan with max-unavailable N/10,
// timed from the barrier of step 0 to the update's history entry. Besides
// ns/op it reports the wall time per step and what one worker costs etcd
// per step: KV requests of its client, watch events its loop took, rounds
// (snapshots) and reports. The cost counts everything the update caused,
// up to the loops falling idle again: the rounds they make after it ended,
// working through the watch events queued for them, too (its log tells
// the two apart).
//
// The loops keep their default timing (Tick 1m, Heartbeat 1m, RetryPause
// 10s), and so does the updater (Tick 5s): both are driven by watch
// events, the tick only re-decides without a change, and a shorter one
// would add rounds no deployment makes. The workers run no worker-leader election: the plan
// has no once-step, and election keys are written once, not per step.
func BenchmarkBarrierScale(b *testing.B) {
	limit := benchMaxWorkers(b)
	updaterBin := daemontest.Build(b, "neco-updater")["neco-updater"]
	var prev int
	results := map[int]scaleResult{}
	// 3000 runs only when asked for (NECO_BENCH_MAX_WORKERS=3000): it
	// shows that what a worker reads stays flat past the 1000 of issue 8.
	for _, n := range []int{10, 100, 1000, 3000} {
		b.Run(fmt.Sprintf("workers=%d", n), func(b *testing.B) {
			if n > limit {
				b.Skipf("more than %s=%d workers", maxWorkersEnv, limit)
			}
			results[n] = benchUpdates(b, n, updaterBin)
			if smaller, ok := results[prev]; ok {
				logGrowth(b, prev, smaller, n, results[n])
			}
			prev = n
		})
	}
}

func benchMaxWorkers(b *testing.B) int {
	v := os.Getenv(maxWorkersEnv)
	if v == "" {
		return 1000
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		b.Fatalf("%s=%q: want a positive number of workers", maxWorkersEnv, v)
	}
	return n
}

// benchUpdates runs b.N updates on a new site of n workers.
func benchUpdates(b *testing.B, n int, updaterBin string) scaleResult {
	b.StopTimer() // set-up is not the op; update starts the timer
	s := newScaleSite(b, n, updaterBin)
	sum := newScaleMeasure(len(s.steps))
	for i := range b.N {
		sum.add(s.update(b, int64(i+1)))
	}
	return sum.report(b, s)
}

// scaleSite is one data center of the benchmark.
type scaleSite struct {
	n         int
	client    *clientv3.Client // the benchmark's own, not counted
	st        *storage.Storage
	mirrorDir string
	updater   *daemontest.Process
	steps     []decide.Step
	counts    *scaleCounters
	stores    []*countingStore
	// barriers and history watch status/barrier and history/ from the
	// end of the set-up; turns counts the updater's writes of
	// status/turns.
	barriers, history <-chan storage.WatchEvent
	turns             *atomic.Int64
}

func newScaleSite(b *testing.B, n int, updaterBin string) *scaleSite {
	s := &scaleSite{n: n, client: srv.Client(b), mirrorDir: b.TempDir(), counts: &scaleCounters{}}
	s.st = storage.New(s.client, etcdtest.Prefix(b))
	api := httptest.NewServer(mirror.NewServer(s.mirrorDir, mirror.ServerOptions{}))
	b.Cleanup(api.Close)
	ctx := context.Background()
	for k, v := range map[string]string{"env": "production", "github-repo": scaleRepo, "github-api-url": api.URL + "/"} {
		if err := s.st.PutConfig(ctx, k, v, model.ConfigAuthor{By: "test", At: time.Now()}); err != nil {
			b.Fatal(err)
		}
	}
	for lrn := range n {
		if err := s.st.PutBootserver(ctx, model.Bootserver{LRN: lrn, Hostname: fmt.Sprintf("boot-%d", lrn), JoinedAt: time.Now()}); err != nil {
			b.Fatal(err)
		}
	}
	tmpl, err := plan.Parse(strings.NewReader(fmt.Sprintf(scalePlan, max(n/10, 1))))
	if err != nil {
		b.Fatal(err)
	}
	s.steps = decide.Steps(tmpl)
	// Every client exists before a loop starts: cleanups run last in,
	// first out, so the loops stop before their clients close.
	workerClients := make([]*clientv3.Client, n)
	for i := range workerClients {
		c := srv.Client(b)
		c.KV = countingKV{KV: c.KV, c: s.counts}
		workerClients[i] = c
	}
	snap, err := s.st.Snapshot(ctx)
	if err != nil {
		b.Fatal(err)
	}
	r := newScaleRunner(b)
	s.barriers = s.st.Watch(r.ctx, snap.Revision, s.st.StatusBarrierKey(), false)
	s.history = s.st.Watch(r.ctx, snap.Revision, s.st.HistoryPrefix(), true)
	s.turns = countEvents(r, s.st.Watch(r.ctx, snap.Revision, s.st.StatusTurnsKey(), false))
	s.runUpdater(b, updaterBin)
	s.runWorkers(b, r, workerClients, tmpl)
	s.ready(b)
	s.settle(b, 0, "set-up")
	return s
}

// countEvents counts the events of a watch until the benchmark ends.
func countEvents(r *scaleRunner, events <-chan storage.WatchEvent) *atomic.Int64 {
	var n atomic.Int64
	r.wg.Go(func() {
		for range events {
			n.Add(1)
		}
	})
	return &n
}

// scaleRunner runs the site's loops until the benchmark ends, and waits
// for every one of them.
type scaleRunner struct {
	b   *testing.B
	ctx context.Context
	wg  sync.WaitGroup
}

func newScaleRunner(b *testing.B) *scaleRunner {
	ctx, cancel := context.WithCancel(context.Background())
	r := &scaleRunner{b: b, ctx: ctx}
	b.Cleanup(func() { cancel(); r.wg.Wait() })
	return r
}

func (r *scaleRunner) run(name string, fn func(context.Context) error) {
	r.wg.Go(func() {
		if err := fn(r.ctx); err != nil && !errors.Is(err, context.Canceled) {
			r.b.Errorf("%s: %v", name, err)
		}
	})
}

// runUpdater runs neco-updater, built as shipped, as a process on the
// site's etcd with its default tick. It leads at once: it is the only one.
func (s *scaleSite) runUpdater(b *testing.B, bin string) {
	dir := b.TempDir()
	cfg := fmt.Sprintf("etcd:\n  endpoints: [%s]\n  prefix: %s\nlog-level: warn\nmetrics-listen: %s\ndata-dir: %s\n",
		srv.Endpoint, s.st.Prefix(), etcdtest.FreeAddr(b), filepath.Join(dir, "data"))
	path := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		b.Fatal(err)
	}
	s.updater = daemontest.Start(b, bin, "--config", path, "--name", "updater")
}

// runWorkers runs one Worker loop per client, server i being LRN i. The
// loops log nothing: logging is not what is measured.
func (s *scaleSite) runWorkers(b *testing.B, r *scaleRunner, clients []*clientv3.Client, tmpl plan.Plan) {
	cacheRoot := b.TempDir()
	for lrn, c := range clients {
		cs := &countingStore{st: storage.New(c, s.st.Prefix()), total: s.counts}
		s.stores = append(s.stores, cs)
		srvr := &noopServer{template: tmpl}
		inf := op.Infra{Releases: srvr, Packages: srvr, Images: srvr, Units: srvr, Commands: srvr, Plans: srvr, Records: cs,
			NecoVersion: model.MustParseVersion("1.0"), CacheDir: filepath.Join(cacheRoot, strconv.Itoa(lrn))}
		w := &Worker{Store: cs, LRN: lrn, Plans: srvr, PrepareTimeout: config.DefaultWorker().PrepareTimeout,
			Log: zap.NewNop(), Infra: func(config.Cluster) op.Infra { return inf }}
		r.run(fmt.Sprintf("worker %d", lrn), w.Run)
	}
}

// ready waits for every loop's first round: its watches start at the
// revision of that snapshot, so from then on none misses a change.
func (s *scaleSite) ready(b *testing.B) {
	deadline := time.Now().Add(scaleReadyTimeout)
	for _, cs := range s.stores {
		for cs.rounds.Load() == 0 {
			if time.Now().After(deadline) {
				b.Fatalf("the workers made no round in %s", scaleReadyTimeout)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// delivered waits until every loop has taken the event of rev, or
// until no loop has taken any event for stall.
func (s *scaleSite) delivered(rev int64, stall time.Duration) bool {
	events, progress := s.counts.events.Load(), time.Now()
	for _, cs := range s.stores {
		for cs.delivered.Load() < rev {
			if n := s.counts.events.Load(); n != events {
				events, progress = n, time.Now()
			}
			if time.Since(progress) > stall {
				return false
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	return true
}

// settle waits until every loop has taken the event of rev (if any) and then no
// worker has touched etcd for scaleQuiet (nor waits for an answer), and
// returns how long that took:
// the rounds the events up to rev cause are counted in the update that
// caused them. A round still running then is counted in the next update,
// so the sums over updates lose nothing. Loops that keep taking events
// are waited for up to scaleBacklogTimeout; loops that stop are not.
func (s *scaleSite) settle(b *testing.B, rev int64, what string) time.Duration {
	start := time.Now()
	if rev > 0 && !s.delivered(rev, scaleStall) {
		b.Fatalf("%s: no worker took an event for %s; not all saw revision %d", what, scaleStall, rev)
	}
	last := s.counts.load()
	for {
		time.Sleep(scaleQuiet)
		now := s.counts.load()
		if now == last && s.counts.inflight.Load() == 0 {
			return time.Since(start) - scaleQuiet
		}
		if time.Since(start) > scaleBacklogTimeout {
			b.Fatalf("%s: the workers are still busy %s after revision %d", what, scaleBacklogTimeout, rev)
		}
		last = now
	}
}

// update publishes release 1.<id>, has the updater take it as update id
// and measures it: each step from the barrier that opened it to the next
// one (the last to the history entry), and what the workers cost etcd in
// it (step 0 also counts the release check's writes before the update).
func (s *scaleSite) update(b *testing.B, id int64) scaleMeasure {
	v := fmt.Sprintf("1.%d", id)
	if _, err := mirror.Publish(s.mirrorDir, mirror.PublishRequest{Repo: scaleRepo, Tag: "release-" + v, NoChecksums: true}); err != nil {
		b.Fatal(err)
	}
	opened := make([]time.Time, len(s.steps))
	marks := make([]scaleCounts, len(s.steps))
	before, turnsBefore := s.counts.load(), s.turns.Load()
	// As `neco update check` does: the leader checks at once.
	if _, err := s.st.RequestCheck(context.Background(), model.CheckRequest{By: "bench", At: time.Now()}); err != nil {
		b.Fatal(err)
	}
	timeout := time.NewTimer(scaleUpdateTimeout)
	defer timeout.Stop()
	var end time.Time
	var cpuStart, cpu time.Duration
	var endRev int64
	var atEnd scaleCounts
	for end.IsZero() {
		select {
		case ev, ok := <-s.barriers:
			var bar model.Barrier
			if err := json.Unmarshal(ev.Value, &bar); !ok || err != nil {
				b.Fatalf("barrier watch: %+v, %v", ev, err)
			}
			if bar.ID != id || bar.Step >= len(s.steps) {
				continue
			}
			if bar.Step == 0 {
				b.StartTimer()
				cpuStart = s.cpuTime(b)
			}
			opened[bar.Step], marks[bar.Step] = time.Now(), s.counts.load()
		case ev, ok := <-s.history:
			if !ok {
				b.Fatal("history watch ended")
			}
			if ev.Key != s.st.HistoryKey(id) {
				continue
			}
			b.StopTimer()
			end, endRev, atEnd = time.Now(), ev.Revision, s.counts.load()
			cpu = s.cpuTime(b) - cpuStart
			var h model.HistoryEntry
			if err := json.Unmarshal(ev.Value, &h); err != nil || h.Result != model.ResultCompleted {
				b.Fatalf("update %d ended %s (%s), want completed; %v", id, h.Result, h.Message, err)
			}
		case <-timeout.C:
			c := s.counts.load().sub(before)
			b.Fatalf("update %d to %s did not end within %s; barriers opened %d steps; per worker so far: %.1f rounds, %.1f reports, %.1f events",
				id, v, scaleUpdateTimeout, countOpened(opened), float64(c.snapshots)/float64(s.n), float64(c.reports)/float64(s.n), float64(c.events)/float64(s.n))
		}
	}
	m := newScaleMeasure(len(s.steps))
	m.updates, m.ended, m.cpu = 1, atEnd.sub(before), cpu
	m.backlog = s.settle(b, endRev, fmt.Sprintf("update %d ended after %s, rounds per worker by then %.1f",
		id, end.Sub(opened[0]).Round(time.Millisecond), float64(m.ended.snapshots)/float64(s.n)))
	after := s.counts.load()
	m.turns = s.turns.Load() - turnsBefore
	for k := range s.steps {
		if opened[k].IsZero() {
			b.Fatalf("update %d: no barrier opened step %d", id, k)
		}
		from, to, next := marks[k], after, end
		if k == 0 {
			from = before
		}
		if k+1 < len(s.steps) {
			to, next = marks[k+1], opened[k+1]
		}
		m.wall[k], m.cost[k] = next.Sub(opened[k]), to.sub(from)
	}
	return m
}

func countOpened(opened []time.Time) int {
	n := 0
	for _, t := range opened {
		if !t.IsZero() {
			n++
		}
	}
	return n
}

// cpuTime is the CPU time spent so far by this process (the worker loops
// and etcd) and by neco-updater.
func (s *scaleSite) cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	u, err := daemontest.ReadProc(s.updater.PID)
	if err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano()+ru.Stime.Nano()) + u.CPU
}
