package updater

import (
	"context"
	"errors"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/necoship/neco/pkg/config"
	"github.com/necoship/neco/pkg/etcdtest"
	"github.com/necoship/neco/pkg/leader"
	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/notify"
	"github.com/necoship/neco/pkg/releases"
	"github.com/necoship/neco/pkg/storage"
)

var srv *etcdtest.Server

func TestMain(m *testing.M) { os.Exit(etcdtest.Main(m, &srv)) }

// fakeClock is the updater's clock in tests: it moves only when told.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// recNotifier records notifications.
type recNotifier struct {
	mu     sync.Mutex
	events []notify.Event
}

var _ Notifier = (*recNotifier)(nil)

func (r *recNotifier) Notify(_ config.Cluster, e notify.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

func (r *recNotifier) all() []notify.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events)
}

// await returns the events once there are at least n, or what there is
// after a timeout: the leader notifies right after its etcd write, so a
// test that saw the write must not read the events at once.
func (r *recNotifier) await(n int) []notify.Event {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if es := r.all(); len(es) >= n {
			return es
		}
	}
	return r.all()
}

// kinds awaits n events and returns their kinds.
func (r *recNotifier) kinds(n int) []notify.Kind {
	var ks []notify.Kind
	for _, e := range r.await(n) {
		ks = append(ks, e.Kind)
	}
	return ks
}

// harness is one site: a mirror with releases, a namespaced etcd, config
// and registered boot servers, and updaters run on demand.
type harness struct {
	t     *testing.T
	st    *storage.Storage
	clock *fakeClock
	notes *recNotifier
	logs  *observer.ObservedLogs
	log   *zap.Logger
	// failAPI makes the release API answer 401 while true, hangAPI makes
	// it not answer at all.
	failAPI, hangAPI *atomic.Bool
	apiReqs          *atomic.Int64 // requests the release API received
}

// newHarness publishes tags to a mirror ("!" suffix: pre-release), sets
// cluster config kv (github-repo and github-api-url filled in) and
// registers servers.
func newHarness(t *testing.T, kv map[string]string, servers []int, tags ...string) *harness {
	t.Helper()
	url, reqs, fail, hang := mirrorWithHang(t, tags...)
	core, logs := observer.New(zap.InfoLevel)
	h := &harness{
		t:     t,
		st:    storage.New(srv.Client(t), etcdtest.Prefix(t)),
		clock: &fakeClock{now: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)},
		notes: &recNotifier{},
		logs:  logs,
		log:   zap.New(core),

		failAPI: fail,
		hangAPI: hang,
		apiReqs: reqs,
	}
	ctx := context.Background()
	all := map[string]string{"github-repo": "example/site", "github-api-url": url, "worker-timeout": "1m"}
	for k, v := range kv {
		all[k] = v
	}
	for k, v := range all {
		if err := h.st.PutConfig(ctx, k, v, model.ConfigAuthor{By: "test", At: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	for _, l := range servers {
		h.join(l)
	}
	return h
}

func (h *harness) join(lrn int) {
	h.t.Helper()
	if err := h.st.PutBootserver(context.Background(), model.Bootserver{LRN: lrn, Hostname: "boot", JoinedAt: h.clock.Now()}); err != nil {
		h.t.Fatal(err)
	}
}

// runUpdater starts one neco-updater (its own etcd client and election
// candidacy) until the test ends or stop is called.
func (h *harness) runUpdater(name string) (client *clientv3.Client, stop func()) {
	h.t.Helper()
	client = srv.Client(h.t)
	st := storage.New(client, h.st.Prefix())
	el, err := leader.New(leader.Options{Client: client, Key: st.LeaderUpdaterKey(), Name: name, TTL: time.Second, Logger: h.log})
	if err != nil {
		h.t.Fatal(err)
	}
	ctl := &Controller{Store: st, Checker: NewReleaseChecker(h.log, nil), Notifier: h.notes, Trigger: releases.NewTrigger(),
		Log: h.log.With(zap.String("updater", name)), Now: h.clock.Now, Tick: 20 * time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- el.Run(ctx, ctl.Run) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
				h.t.Errorf("updater %s: %v", name, err)
			}
		})
	}
	h.t.Cleanup(stop)
	return client, stop
}

// waitFor polls snapshots until cond holds.
func (h *harness) waitFor(what string, cond func(model.Snapshot) bool) model.Snapshot {
	h.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var snap model.Snapshot
	for time.Now().Before(deadline) {
		var err error
		snap, err = h.st.Snapshot(context.Background())
		if err != nil {
			h.t.Fatal(err)
		}
		if cond(snap) {
			return snap
		}
		time.Sleep(20 * time.Millisecond)
	}
	h.t.Fatalf("timed out waiting for %s; last snapshot: current %+v barrier %+v finished %+v", what, snap.Current, snap.Barrier, snap.Finished)
	return snap
}

// stays asserts cond holds for a while (for "nothing happens" checks).
func (h *harness) stays(what string, d time.Duration, cond func(model.Snapshot) bool) {
	h.t.Helper()
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(25 * time.Millisecond) {
		snap, err := h.st.Snapshot(context.Background())
		if err != nil {
			h.t.Fatal(err)
		}
		if !cond(snap) {
			h.t.Fatalf("%s broke: current %+v candidate %+v", what, snap.Current, snap.Candidate)
		}
	}
}

func (h *harness) report(lrn int, id int64, step int, cond model.Cond, msg string) {
	h.t.Helper()
	snap, err := h.st.Snapshot(context.Background())
	if err != nil || snap.Current == nil {
		h.t.Fatalf("report without a current update: %v", err)
	}
	w := model.WorkerStatus{ID: id, Version: snap.Current.Version, Step: step, Cond: cond, Message: msg, UpdatedAt: h.clock.Now()}
	if err := h.st.PutWorkerStatus(context.Background(), lrn, w); err != nil {
		h.t.Fatal(err)
	}
}

// completeAll drives every participant of update id through one barrier
// step and on to completion, as workers would, and returns its history.
func (h *harness) completeAll(id int64, lrns []int) model.HistoryEntry {
	h.t.Helper()
	for _, l := range lrns {
		h.report(l, id, 1, model.CondRunning, "")
	}
	h.waitFor("barrier 1", func(s model.Snapshot) bool { return s.Barrier != nil && s.Barrier.ID == id && s.Barrier.Step == 1 })
	for _, l := range lrns {
		h.report(l, id, 2, model.CondCompleted, "")
	}
	return h.history(id)
}

// history waits for history/<id>. It is permanent, unlike Snapshot.Finished,
// which follows status/current to the next update.
func (h *harness) history(id int64) model.HistoryEntry {
	h.t.Helper()
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		hist, _, err := h.st.ListHistory(context.Background())
		if err != nil {
			h.t.Fatal(err)
		}
		for _, e := range hist {
			if e.ID == id {
				return e
			}
		}
	}
	h.t.Fatalf("no history for update %d", id)
	return model.HistoryEntry{}
}

func inProgress(s model.Snapshot) bool { return s.Current != nil && s.Finished == nil }
