package bench

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/necoship/neco/pkg/daemon/daemontest"
	"github.com/necoship/neco/pkg/deb/debtest"
	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/storage"
)

// The window the footprint is measured over, and what NECO_BENCH_IDLE
// (a Go duration, e.g. 5s) replaces it with while developing.
const (
	defaultIdleWindow = 60 * time.Second
	idleWindowEnv     = "NECO_BENCH_IDLE"
)

// settle is how long the daemons rest after their update before the
// window opens: the Go runtime returns the update's memory to the system
// in the background, and idle is what comes after. Nothing signals it.
const settle = 5 * time.Second

// BenchmarkFootprint measures neco-updater and neco-worker as they run on
// a boot server with nothing to do. Both are built from cmd/ and started
// as processes, sharing one local config, against the test's etcd. They
// first roll out a release (a package with an empty plan, from a mirror
// on loopback), so that idle means after an update, as in production;
// then the updater leads, polls the mirror every 10s (the shortest
// check-update-interval: the busiest idle it has) and finds nothing new,
// and the worker has nothing to do.
//
// Both keep running while the sub-benchmarks updater and worker each
// sample their daemon's /proc over a window (60 s, or NECO_BENCH_IDLE),
// one after the other. They report rss-MiB, the highest VmRSS seen,
// anon-MiB, the highest RssAnon (the heap and stacks; VmRSS adds the
// binary's pages that are resident), and cpu-%, the CPU time spent (user
// + system) over the window's wall time;
// ns/op, the window itself, is left out. Each iteration is one more
// window: with b.N > 1, rss-MiB is the peak over all of them and cpu-%
// covers them all. Run it with -benchtime=1x.
func BenchmarkFootprint(b *testing.B) {
	debtest.NeedDpkg(b)
	window := idleWindow(b)
	bins := daemontest.Build(b, "neco-updater", "neco-worker")
	m := newReleaseMirror(b)
	const repo = "bench/idle-site"
	v := model.MustParseVersion("2026.11.23-1")
	m.publish(b, repo, v, "version: "+v.String()+"\n", "")
	st := newCluster(b, repo, m, map[string]string{"check-update-interval": "10s"})
	config := writeLocalConfig(b, st.Prefix(), debtest.NewRoot(b))

	updater, worker, h := firstUpdate(b, st, bins["neco-updater"], bins["neco-worker"], config)
	if h.Result != model.ResultCompleted || !h.Version.Equal(v) {
		b.Fatalf("the first update ended %s at %s (%s), want completed at %s", h.Result, h.Version, h.Message, v)
	}
	time.Sleep(settle)
	b.Run("updater", func(b *testing.B) { measureIdle(b, updater, window) })
	b.Run("worker", func(b *testing.B) { measureIdle(b, worker, window) })
}

// firstUpdate starts both daemons and waits for the update they start
// at once to end. A daemon that exits meanwhile ends the wait.
func firstUpdate(b *testing.B, st *storage.Storage, updaterBin, workerBin, config string) (updater, worker *daemontest.Process, h model.HistoryEntry) {
	b.Helper()
	ctx, cancel := context.WithTimeoutCause(context.Background(), rolloutTimeout, errors.New("timed out"))
	defer cancel()
	ctx, exit := context.WithCancelCause(ctx)
	defer exit(nil)
	snap, err := st.Snapshot(ctx)
	if err != nil {
		b.Fatal(err)
	}
	events := st.Watch(ctx, snap.Revision, st.HistoryPrefix(), true)
	args := []string{"--config", config, "--name", "boot-0"}
	updater, worker = daemontest.Start(b, updaterBin, args...), daemontest.Start(b, workerBin, args...)
	go func() {
		select {
		case <-updater.Exited:
			exit(errors.New("neco-updater exited"))
		case <-worker.Exited:
			exit(errors.New("neco-worker exited"))
		case <-ctx.Done():
		}
	}()
	h, err = waitFinished(ctx, st, events)
	if err != nil {
		b.Fatal(err)
	}
	return updater, worker, h
}

func measureIdle(b *testing.B, p *daemontest.Process, window time.Duration) {
	var u usage
	for range b.N {
		w, err := sampleWindow(p.PID, window, p.Exited)
		if err != nil {
			out, _ := os.ReadFile(p.Log)
			b.Fatalf("%s: %v\n%s", p.Name, err, out)
		}
		u.peakRSS, u.peakAnon = max(u.peakRSS, w.peakRSS), max(u.peakAnon, w.peakAnon)
		u.cpu += w.cpu
		u.wall += w.wall
	}
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(float64(u.peakRSS)/(1<<20), "rss-MiB")
	b.ReportMetric(float64(u.peakAnon)/(1<<20), "anon-MiB")
	b.ReportMetric(100*u.cpu.Seconds()/u.wall.Seconds(), "cpu-%")
}

// idleWindow is the sampling window: defaultIdleWindow, or the duration
// in NECO_BENCH_IDLE.
func idleWindow(b *testing.B) time.Duration {
	b.Helper()
	s := os.Getenv(idleWindowEnv)
	if s == "" {
		return defaultIdleWindow
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		b.Fatalf("%s=%q: want a positive duration such as 5s", idleWindowEnv, s)
	}
	return d
}
