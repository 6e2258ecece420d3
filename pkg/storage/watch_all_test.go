package storage

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestWatchAllDeliversOnlyItsTargets(t *testing.T) {
	s, c := newStorage(t)
	ctx, cancel := context.WithCancel(testContext(t))
	rev := putRaw(t, s, c, map[string]string{"status/current": "before"})
	ch := s.WatchAll(ctx, rev, WatchTarget{Key: s.StatusCurrentKey()}, WatchTarget{Key: s.ContentPrefix(), Prefix: true})
	putRaw(t, s, c, map[string]string{"status/bootservers/1": "not watched"})
	putRaw(t, s, c, map[string]string{"contents/sabakan": "a"})
	putRaw(t, s, c, map[string]string{"status/barrier": "not watched"})
	putRaw(t, s, c, map[string]string{"status/current": "b"})
	got := map[string]WatchEvent{}
	for range 2 {
		ev := next(t, ch)
		got[ev.Key] = ev
	}
	want := map[string]WatchEvent{
		s.ContentKey("sabakan"): {Key: s.ContentKey("sabakan"), Value: []byte("a"), Created: true},
		s.StatusCurrentKey():    {Key: s.StatusCurrentKey(), Value: []byte("b")},
	}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(WatchEvent{}, "Revision")); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	if got[s.StatusCurrentKey()].Revision <= got[s.ContentKey("sabakan")].Revision {
		t.Errorf("revisions: %+v", got)
	}
	cancel()
	closed(t, ch)
}

func TestWatchAllEndsEachTargetOnCompaction(t *testing.T) {
	s, c := newStorage(t)
	ctx := testContext(t)
	first := putRaw(t, s, c, map[string]string{"status/current": "a"})
	last := putRaw(t, s, c, map[string]string{"status/current": "b"})
	if _, err := c.Compact(ctx, last); err != nil {
		t.Fatal(err)
	}
	ch := s.WatchAll(ctx, first-1, WatchTarget{Key: s.StatusCurrentKey()}, WatchTarget{Key: s.StatusBarrierKey()})
	for range 2 {
		if ev := next(t, ch); !ev.Compacted || ev.Revision != last {
			t.Fatalf("event %+v, want Compacted at %d", ev, last)
		}
	}
	closed(t, ch)
}
