package storage

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/necoship/neco/pkg/model"
)

func rollbackRequest(to, from model.Version) model.RollbackRequest {
	return model.RollbackRequest{Version: to, Tag: "release-" + to.String(), From: from, By: "alice@boot-0", At: t0}
}

// completedAt stores update id of version v as completed, so that the site
// is idle at v.
func completedAt(t *testing.T, s *Storage, id int64, v model.Version) map[string]string {
	t.Helper()
	u := update(id)
	u.Version, u.Tag = v, "release-"+v.String()
	h := historyEntry(id, model.ResultCompleted)
	h.Version, h.Tag = v, u.Tag
	return map[string]string{
		"status/current":                   mustEncode(t, u),
		s.HistoryKey(id)[len(s.Prefix()):]: mustEncode(t, h),
		"status/barrier":                   mustEncode(t, model.Barrier{ID: id, Step: 3}),
	}
}

func TestRequestRollbackThenStart(t *testing.T) {
	s, c := newStorage(t)
	ctx := testContext(t)
	leaderKey, _ := campaign(t, s, c)
	putRaw(t, s, c, completedAt(t, s, 4, v2))
	snap, err := s.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	req := rollbackRequest(v1, v2)
	hold := model.Hold{Version: v2, Reason: "rolled back to " + v1.String(), By: "alice@boot-0", At: t0}
	if err := s.RequestRollback(ctx, snap.Revision, req, []model.Hold{hold}); err != nil {
		t.Fatal(err)
	}
	if err := s.RequestRollback(ctx, snap.Revision+10, req, nil); !errors.Is(err, ErrConflict) {
		t.Errorf("second request: err = %v, want ErrConflict (one pending at a time)", err)
	}
	snap, err = s.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&req, snap.Rollback); diff != "" {
		t.Errorf("snapshot's request (-want +got)\n%s", diff)
	}
	if diff := cmp.Diff(map[string]model.Hold{v2.String(): hold}, snap.Holds); diff != "" {
		t.Errorf("holds written with the request (-want +got)\n%s", diff)
	}

	// While the request is pending only that rollback may start.
	other := update(5)
	other.Version = v2
	wrongVersion := update(5)
	wrongVersion.Version, wrongVersion.Reason = v2, model.ReasonRollback
	for what, u := range map[string]model.Update{"an update": other, "a rollback elsewhere": wrongVersion} {
		if err := s.StartUpdate(ctx, leaderKey, u, model.Barrier{ID: 5}); !errors.Is(err, ErrConflict) {
			t.Errorf("start %s while a rollback is requested: err = %v, want ErrConflict", what, err)
		}
	}
	rb := update(5)
	rb.Reason = model.ReasonRollback
	if err := s.StartUpdate(ctx, leaderKey, rb, model.Barrier{ID: 5}); err != nil {
		t.Fatalf("start the requested rollback: %v", err)
	}
	snap, err = s.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if snap.Rollback != nil || snap.Current.ID != 5 || snap.Current.Reason != model.ReasonRollback {
		t.Errorf("after the start: request %+v, current %+v; want the request consumed by update 5", snap.Rollback, snap.Current)
	}
}

func TestRequestRollbackRefusesWhatChanged(t *testing.T) {
	s, c := newStorage(t)
	ctx := testContext(t)
	putRaw(t, s, c, completedAt(t, s, 4, v2))
	snap, err := s.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	hold := model.Hold{Version: v2, By: "alice@boot-0", At: t0}
	for what, change := range map[string]map[string]string{
		"status/current changed": {"status/current": mustEncode(t, update(5))},
		"pinned meanwhile":       {"policy/pin": mustEncode(t, model.Hold{Version: v2, At: t0})},
	} {
		putRaw(t, s, c, change)
		before := dataKVs(t, s, c)
		if err := s.RequestRollback(ctx, snap.Revision, rollbackRequest(v1, v2), []model.Hold{hold}); !errors.Is(err, ErrConflict) {
			t.Errorf("%s: err = %v, want ErrConflict", what, err)
		}
		if diff := cmp.Diff(before, dataKVs(t, s, c), cmpKVs); diff != "" {
			t.Errorf("%s: a refused request wrote (-before +after)\n%s", what, diff)
		}
	}
}

func TestGarbageRollbackRequestBlocksUpdates(t *testing.T) {
	s, c := newStorage(t)
	ctx := testContext(t)
	leaderKey, _ := campaign(t, s, c)
	putRaw(t, s, c, map[string]string{"request/rollback": `{"version":"2026.11.23-1"}`})
	snap, err := s.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if snap.Rollback != nil || !cmp.Equal(invalidKeys(snap.Invalid), []string{s.RollbackRequestKey()}) {
		t.Errorf("snapshot: rollback %+v, invalid %v; want the garbage listed, not decoded", snap.Rollback, snap.Invalid)
	}
	var invalid model.InvalidKey
	if err := s.StartUpdate(ctx, leaderKey, update(1), model.Barrier{ID: 1}); !errors.As(err, &invalid) {
		t.Errorf("start update past a garbage request: err = %v, want the invalid key", err)
	}
}

func TestIrreversibleRuns(t *testing.T) {
	s, c := newStorage(t)
	ctx := testContext(t)
	key, _ := campaignOn(t, c, s.LeaderWorkerKey(), "boot-1")
	for _, st := range []struct {
		name         string
		v            model.Version
		irreversible bool
	}{{"upload", v2, false}, {"migrate", v2, true}, {"migrate", v1, true}, {"schema", v1, true}} {
		if err := s.StartContent(ctx, key, st.name, st.v, st.irreversible); err != nil {
			t.Fatalf("start %s %s: %v", st.name, st.v, err)
		}
	}
	putRaw(t, s, c, map[string]string{
		"irreversible/2026.11.23-1/other": mustEncode(t, model.IrreversibleRun{Name: "migrate", Version: v1, StartedAt: t0}),
		"irreversible/2026.11.23-1/bad":   "{",
	})
	runs, invalid, err := s.IrreversibleRuns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range runs {
		if r.StartedAt.IsZero() {
			t.Errorf("%s of %s: no start time", r.Name, r.Version)
		}
		got = append(got, r.Name+" "+r.Version.String())
	}
	// v1 < v2 by Debian ordering: 2026.11.23-1 before 2026.11.23-10.
	want := []string{"migrate 2026.11.23-1", "schema 2026.11.23-1", "migrate 2026.11.23-10"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("runs (-want +got)\n%s", diff)
	}
	wantInvalid := []string{s.Prefix() + "irreversible/2026.11.23-1/bad", s.Prefix() + "irreversible/2026.11.23-1/other"}
	if diff := cmp.Diff(wantInvalid, invalidKeys(invalid)); diff != "" {
		t.Errorf("invalid (-want +got)\n%s", diff)
	}
}

// TestRequestAutoRollback: the updater's own request is written with the
// hold, only by the leader, only while status/current is what it decided
// on, and never over a pending request.
func TestRequestAutoRollback(t *testing.T) {
	s, c := newStorage(t)
	ctx := testContext(t)
	key, _ := campaign(t, s, c)
	if err := s.StartUpdate(ctx, key, update(5), model.Barrier{ID: 5}); err != nil {
		t.Fatal(err)
	}
	resp, err := c.Get(ctx, s.StatusCurrentKey())
	if err != nil {
		t.Fatal(err)
	}
	curRev := resp.Kvs[0].ModRevision
	req := model.RollbackRequest{Version: v2, Tag: "release-2026.11.23-10", From: v1, By: "neco-updater", At: t0,
		Servers: []int{0}, Automatic: "update 5 aborted"}
	hold := model.Hold{Version: v1, Reason: "automatic rollback", By: "neco-updater", At: t0}
	for _, tt := range []struct {
		name   string
		leader string
		rev    int64
		want   error
	}{
		{"not the leader", s.LeaderUpdaterKey() + "gone", curRev, ErrNoLeader},
		{"status/current changed since", key, curRev - 1, ErrConflict},
		{"written", key, curRev, nil},
		{"a request is pending", key, curRev, ErrConflict},
	} {
		err := s.RequestAutoRollback(ctx, tt.leader, tt.rev, req, hold)
		if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
	snap, err := s.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&req, snap.Rollback); diff != "" {
		t.Errorf("request (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]model.Hold{v1.String(): hold}, snap.Holds); diff != "" {
		t.Errorf("holds (-want +got):\n%s", diff)
	}
}
