package storage

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// next receives one event or fails the test after a while.
func next(t *testing.T, ch <-chan WatchEvent) WatchEvent {
	t.Helper()
	select {
	case ev, ok := <-ch:
		if !ok {
			t.Fatal("watch channel closed")
		}
		return ev
	case <-time.After(10 * time.Second):
		t.Fatal("no watch event in 10s")
	}
	return WatchEvent{}
}

// closed waits for ch to close, failing on any further event.
func closed(t *testing.T, ch <-chan WatchEvent) {
	t.Helper()
	select {
	case ev, ok := <-ch:
		if ok {
			t.Fatalf("unexpected event %+v", ev)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("watch channel not closed in 10s")
	}
}

// TestHeartbeatIsAnElectionKeyPutAgain: a leader's heartbeat (pkg/leader)
// is its election key put again; its creation, its deletion and a put of
// any other key are changes.
func TestHeartbeatIsAnElectionKeyPutAgain(t *testing.T) {
	s, c := newStorage(t)
	ctx := testContext(t)
	rev := putRaw(t, s, c, map[string]string{"status/barrier": "before"})
	ch := s.Watch(ctx, rev, s.Prefix(), true)
	key := s.LeaderUpdaterKey() + "694d8f1b2a3c4e5f"
	putRaw(t, s, c, map[string]string{"leader/updater/694d8f1b2a3c4e5f": "boot-0"})
	putRaw(t, s, c, map[string]string{"leader/updater/694d8f1b2a3c4e5f": "boot-0"})
	putRaw(t, s, c, map[string]string{"status/current": "a"})
	putRaw(t, s, c, map[string]string{"status/current": "b"})
	if _, err := c.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	var got []bool
	for range 5 {
		got = append(got, s.Heartbeat(next(t, ch)))
	}
	if want := []bool{false, true, false, false, false}; !slices.Equal(got, want) {
		t.Errorf("heartbeats %v, want %v (create, put again, other key twice, delete)", got, want)
	}
}

func TestWatchDeliversChangesAfterRevision(t *testing.T) {
	s, c := newStorage(t)
	ctx := testContext(t)
	putRaw(t, s, c, map[string]string{"status/bootservers/2": "before"})
	snap, err := s.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ch := s.Watch(ctx, snap.Revision, s.WorkerStatusPrefix(), true)
	putRaw(t, s, c, map[string]string{"status/bootservers/10": "a"})
	putRaw(t, s, c, map[string]string{"status/current": "not watched"})
	putRaw(t, s, c, map[string]string{"status/bootservers/2": "b"})
	if _, err := c.Delete(ctx, s.WorkerStatusKey(10)); err != nil {
		t.Fatal(err)
	}
	want := []WatchEvent{
		{Key: s.WorkerStatusKey(10), Value: []byte("a"), Created: true},
		{Key: s.WorkerStatusKey(2), Value: []byte("b")},
		{Key: s.WorkerStatusKey(10), Deleted: true},
	}
	var got []WatchEvent
	for range want {
		got = append(got, next(t, ch))
	}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(WatchEvent{}, "Revision")); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	for i := 1; i < len(got); i++ {
		if got[i].Revision <= got[i-1].Revision {
			t.Errorf("revisions not increasing: %+v", got)
		}
	}
}

func TestWatchOneKey(t *testing.T) {
	s, c := newStorage(t)
	ctx := testContext(t)
	snap, err := s.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ch := s.Watch(ctx, snap.Revision, s.StatusBarrierKey(), false)
	putRaw(t, s, c, map[string]string{"status/barrier-not-this": "x"})
	putRaw(t, s, c, map[string]string{"status/barrier": `{"id":1,"step":2}`})
	if ev := next(t, ch); ev.Key != s.StatusBarrierKey() || string(ev.Value) != `{"id":1,"step":2}` {
		t.Errorf("got %+v", ev)
	}
}

func TestWatchReportsCompaction(t *testing.T) {
	s, c := newStorage(t)
	ctx := testContext(t)
	first := putRaw(t, s, c, map[string]string{"config/env": "dev"})
	putRaw(t, s, c, map[string]string{"config/env": "staging"})
	last := putRaw(t, s, c, map[string]string{"config/env": "production"})
	if _, err := c.Compact(ctx, last); err != nil {
		t.Fatal(err)
	}
	ch := s.Watch(ctx, first-1, s.ConfigPrefix(), true)
	if ev := next(t, ch); !ev.Compacted || ev.Revision != last {
		t.Errorf("got %+v, want Compacted at %d", ev, last)
	}
	closed(t, ch)
}

func TestWatchStopsWithContext(t *testing.T) {
	s, _ := newStorage(t)
	ctx, cancel := context.WithCancel(t.Context())
	ch := s.Watch(ctx, 0, s.ConfigPrefix(), true)
	cancel()
	closed(t, ch)
}

// breakingWatcher ends its first etcd watch right after the first response
// carrying events, as a dropped connection would, and runs beforeResume
// before the second watch starts.
type breakingWatcher struct {
	clientv3.Watcher
	calls        atomic.Int32
	beforeResume func()
}

func (w *breakingWatcher) Watch(ctx context.Context, key string, opts ...clientv3.OpOption) clientv3.WatchChan {
	switch w.calls.Add(1) {
	case 1:
	case 2:
		w.beforeResume()
		fallthrough
	default:
		return w.Watcher.Watch(ctx, key, opts...)
	}
	in := w.Watcher.Watch(ctx, key, opts...)
	out := make(chan clientv3.WatchResponse)
	go func() {
		defer close(out)
		for resp := range in {
			select {
			case out <- resp:
			case <-ctx.Done():
				return
			}
			if len(resp.Events) > 0 {
				return
			}
		}
	}()
	return out
}

func TestWatchResumesAfterDisconnect(t *testing.T) {
	s, c := newStorage(t)
	ctx := testContext(t)
	first := putRaw(t, s, c, map[string]string{"config/a": "1"})
	putRaw(t, s, c, map[string]string{"config/a": "2"})
	w := &breakingWatcher{Watcher: c, beforeResume: func() {
		// Written while no watch runs: lost if the next watch started
		// from "now", duplicated if it started from the first revision.
		if _, err := c.Put(ctx, s.ConfigKey("a"), "3"); err != nil {
			t.Error(err)
		}
	}}
	ch := s.watch(ctx, w, first-1, s.ConfigPrefix(), true)
	var got []string
	for len(got) < 3 {
		got = append(got, string(next(t, ch).Value))
	}
	putRaw(t, s, c, map[string]string{"config/a": "4"})
	got = append(got, string(next(t, ch).Value))
	if diff := cmp.Diff([]string{"1", "2", "3", "4"}, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	if n := w.calls.Load(); n != 2 {
		t.Errorf("%d etcd watches, want 2", n)
	}
}
