package storage

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/necoship/neco/pkg/model"
)

func TestWorkerAndBootserverWrites(t *testing.T) {
	s, _ := newStorage(t)
	ctx := testContext(t)
	for _, lrn := range []int{2, 10} {
		if err := s.PutBootserver(ctx, model.Bootserver{LRN: lrn, Hostname: "boot", JoinedAt: t0}); err != nil {
			t.Fatal(err)
		}
		if err := s.PutWorkerStatus(ctx, lrn, workerStatus(3, lrn)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.PutWorkerStatus(ctx, -1, workerStatus(3, 1)); !errors.Is(err, ErrInvalid) {
		t.Errorf("negative lrn: err = %v, want ErrInvalid", err)
	}
	if err := s.PutWorkerStatus(ctx, 1, model.WorkerStatus{ID: 3, Cond: "sleeping"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad cond: err = %v, want ErrInvalid", err)
	}
	if err := s.PutBootserver(ctx, model.Bootserver{LRN: -1}); !errors.Is(err, ErrInvalid) {
		t.Errorf("negative lrn: err = %v, want ErrInvalid", err)
	}
	if err := s.DeleteBootserver(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteBootserver(ctx, 2); !errors.Is(err, ErrNotFound) {
		t.Errorf("second leave: err = %v, want ErrNotFound", err)
	}
	snap, err := s.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if lrns := snap.LRNs(); !slices.Equal(lrns, []int{10}) {
		t.Errorf("bootservers %v, want [10]", lrns)
	}
	want := map[int]model.WorkerStatus{2: workerStatus(3, 2), 10: workerStatus(3, 10)}
	if diff := cmp.Diff(want, snap.Workers, snapshotOpts); diff != "" || len(snap.Invalid) != 0 {
		t.Errorf("invalid %v, workers (-want +got)\n%s", snap.Invalid, diff)
	}
}

func TestConfig(t *testing.T) {
	s, _ := newStorage(t)
	ctx := testContext(t)
	if _, err := s.GetConfig(ctx, "env"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unset: err = %v, want ErrNotFound", err)
	}
	for name, v := range map[string]string{"env": "staging", "release-time": "0 3 * * *", "slack": ""} {
		if err := s.PutConfig(ctx, name, v, testAuthor); err != nil {
			t.Fatal(err)
		}
	}
	if v, err := s.GetConfig(ctx, "env"); err != nil || v != "staging" {
		t.Errorf("get env: %q, %v", v, err)
	}
	if err := s.DeleteConfig(ctx, "slack", testAuthor); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteConfig(ctx, "slack", testAuthor); !errors.Is(err, ErrNotFound) {
		t.Errorf("second delete: err = %v, want ErrNotFound", err)
	}
	got, err := s.ListConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"env": "staging", "release-time": "0 3 * * *"}, got.Values); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	for _, name := range []string{"", "a/b"} {
		if err := s.PutConfig(ctx, name, "x", testAuthor); !errors.Is(err, ErrInvalid) {
			t.Errorf("name %q: err = %v, want ErrInvalid", name, err)
		}
	}
}

// opAct is an operator act of the tests.
func opAct(kind model.ActKind, minute int) model.OperatorAct {
	return model.OperatorAct{Act: kind, By: "alice@boot-0", At: time.Date(2026, 11, 23, 9, minute, 0, 0, time.UTC)}
}

func TestRecover(t *testing.T) {
	s, c := newStorage(t)
	ctx := testContext(t)
	abort, recov := opAct(model.ActAbort, 1), opAct(model.ActRecover, 2)
	if _, err := s.Recover(ctx, recov); !errors.Is(err, ErrNotFound) {
		t.Errorf("no current: err = %v, want ErrNotFound", err)
	}
	stopped := update(4)
	stopped.Stop, stopped.Acts = true, []model.OperatorAct{abort}
	want := update(4)
	want.Acts = []model.OperatorAct{abort, recov}

	// Stopped, and the updater has not recorded the end yet: only the
	// update keeps the act.
	putRaw(t, s, c, map[string]string{"status/current": mustJSON(stopped)})
	got, err := s.Recover(ctx, recov)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("returned (-want +got)\n%s", diff)
	}
	snap, err := s.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&want, snap.Current); diff != "" {
		t.Errorf("stored (-want +got)\n%s", diff)
	}
	if snap.Finished != nil {
		t.Errorf("a history entry appeared: %+v", snap.Finished)
	}

	// Ended: the history entry gets the act too, in the same transaction.
	ended := historyEntry(4, model.ResultAborted)
	ended.Acts = []model.OperatorAct{abort}
	putRaw(t, s, c, map[string]string{"status/current": mustJSON(stopped), "history/00000000000000000004": mustJSON(ended)})
	if _, err := s.Recover(ctx, recov); err != nil {
		t.Fatal(err)
	}
	if snap, err = s.Snapshot(ctx); err != nil {
		t.Fatal(err)
	}
	wantHist := historyEntry(4, model.ResultAborted)
	wantHist.Acts = []model.OperatorAct{abort, recov}
	if diff := cmp.Diff(&wantHist, snap.Finished); diff != "" {
		t.Errorf("history (-want +got)\n%s", diff)
	}
	if diff := cmp.Diff(&want, snap.Current); diff != "" {
		t.Errorf("stored after the end (-want +got)\n%s", diff)
	}
}

// TestCASLosesToAConcurrentWrite is the guard of Recover, ApproveCandidate
// and the content records: a value changed after it was read is not overwritten.
func TestCASLosesToAConcurrentWrite(t *testing.T) {
	s, c := newStorage(t)
	ctx := testContext(t)
	key := s.StatusCurrentKey()
	putRaw(t, s, c, map[string]string{"status/current": mustJSON(update(4))})
	_, rev, err := load[model.Update](ctx, s, key)
	if err != nil {
		t.Fatal(err)
	}
	putRaw(t, s, c, map[string]string{"status/current": mustJSON(update(5))})
	err = s.cas(ctx, casModRev(key, rev), clientv3.OpPut(key, mustJSON(update(4))))
	if !errors.Is(err, ErrConflict) {
		t.Errorf("err = %v, want ErrConflict", err)
	}
	if got, _, _ := load[model.Update](ctx, s, key); got.ID != 5 {
		t.Errorf("stored id %d, want 5", got.ID)
	}
}

func TestAbortUpdate(t *testing.T) {
	s, c := newStorage(t)
	ctx := testContext(t)
	abort := opAct(model.ActAbort, 1)
	if _, err := s.AbortUpdate(ctx, abort); !errors.Is(err, ErrNotFound) {
		t.Errorf("no current: err = %v, want ErrNotFound", err)
	}
	putRaw(t, s, c, map[string]string{"status/current": mustJSON(update(4))})
	want := update(4)
	want.Stop, want.Acts = true, []model.OperatorAct{abort}
	for i := range 2 { // the second abort finds it stopped and changes nothing (one act)
		got, err := s.AbortUpdate(ctx, abort)
		if err != nil {
			t.Fatalf("abort %d: %v", i+1, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("abort %d returned (-want +got)\n%s", i+1, diff)
		}
	}
	snap, err := s.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&want, snap.Current); diff != "" {
		t.Errorf("stored (-want +got)\n%s", diff)
	}

	// An update that already ended is not marked stopped after the fact:
	// that would turn a success into a brake nobody asked for.
	putRaw(t, s, c, map[string]string{
		"status/current":               mustJSON(update(5)),
		"history/00000000000000000005": mustJSON(historyEntry(5, model.ResultCompleted)),
	})
	if _, err := s.AbortUpdate(ctx, abort); !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), "already ended") {
		t.Errorf("ended update: err = %v, want ErrConflict saying it already ended", err)
	}
	if got, _, _ := load[model.Update](ctx, s, s.StatusCurrentKey()); got.Stop {
		t.Error("an ended update was marked stopped")
	}
}

func TestApproveCandidate(t *testing.T) {
	s, c := newStorage(t)
	ctx := testContext(t)
	if _, err := s.ApproveCandidate(ctx, v1, "alice@boot-0", t0); !errors.Is(err, ErrNotFound) {
		t.Errorf("no candidate: err = %v, want ErrNotFound", err)
	}
	putRaw(t, s, c, map[string]string{"info/candidate": mustJSON(model.Candidate{Version: v2, Tag: "release-2"})})
	if _, err := s.ApproveCandidate(ctx, v1, "alice@boot-0", t0); !errors.Is(err, ErrConflict) {
		t.Errorf("wrong version: err = %v, want ErrConflict", err)
	}
	if snap, err := s.Snapshot(ctx); err != nil || snap.Candidate == nil || snap.Candidate.Approved {
		t.Fatalf("wrong version approved anyway: %+v, %v", snap.Candidate, err)
	}
	got, err := s.ApproveCandidate(ctx, v2, "alice@boot-0", t0)
	want := model.Candidate{Version: v2, Tag: "release-2", Approved: true, ApprovedBy: "alice@boot-0", ApprovedAt: t0}
	if err != nil || !cmp.Equal(want, got) {
		t.Fatalf("approve: %+v, %v", got, err)
	}
	snap, err := s.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&want, snap.Candidate); diff != "" {
		t.Errorf("stored (-want +got)\n%s", diff)
	}
}

func TestInstalled(t *testing.T) {
	s, c := newStorage(t)
	ctx := testContext(t)
	if err := s.PutInstalledDeb(ctx, 10, "etcdpasswd", v1); err != nil {
		t.Fatal(err)
	}
	if err := s.PutInstalledImage(ctx, 10, "cke", "sha256:abc"); err != nil {
		t.Fatal(err)
	}
	if err := s.PutInstalledDeb(ctx, 2, "other-server", v2); err != nil {
		t.Fatal(err)
	}
	if err := s.PutInstalledImage(ctx, 10, "cke", ""); !errors.Is(err, ErrInvalid) {
		t.Errorf("empty digest: err = %v, want ErrInvalid", err)
	}
	if err := s.PutInstalledDeb(ctx, -1, "x", v1); !errors.Is(err, ErrInvalid) {
		t.Errorf("negative lrn: err = %v, want ErrInvalid", err)
	}
	putRaw(t, s, c, map[string]string{"install/10/debs/bad": `"not a version"`, "install/10/what/x": `"1"`})
	got, invalid, err := s.ListInstalled(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	want := model.Installed{Debs: map[string]model.Version{"etcdpasswd": v1}, Images: map[string]string{"cke": "sha256:abc"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	wantInvalid := []string{s.Prefix() + "install/10/debs/bad", s.Prefix() + "install/10/what/x"}
	if diff := cmp.Diff(wantInvalid, invalidKeys(invalid)); diff != "" {
		t.Errorf("invalid (-want +got)\n%s", diff)
	}
}

func TestListHistory(t *testing.T) {
	s, c := newStorage(t)
	ctx := testContext(t)
	kvs := map[string]string{"history/5": mustJSON(historyEntry(5, model.ResultCompleted)),
		"history/00000000000000000003": "null"}
	for _, id := range []int64{10, 2, 1} {
		kvs[s.HistoryKey(id)[len(s.Prefix()):]] = mustJSON(historyEntry(id, model.ResultCompleted))
	}
	putRaw(t, s, c, kvs)
	got, invalid, err := s.ListHistory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []model.HistoryEntry{historyEntry(1, model.ResultCompleted), historyEntry(2, model.ResultCompleted),
		historyEntry(10, model.ResultCompleted)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	wantInvalid := []string{s.HistoryKey(3), s.Prefix() + "history/5"}
	if diff := cmp.Diff(wantInvalid, invalidKeys(invalid)); diff != "" {
		t.Errorf("invalid (-want +got)\n%s", diff)
	}
}

func TestPolicyWrites(t *testing.T) {
	s, _ := newStorage(t)
	ctx := testContext(t)
	hold := model.Hold{Version: v2, Reason: "bad release", By: "ops@boot-0", At: t0}
	pin := model.Hold{Version: v1, By: "ops@boot-0", At: t0}
	for _, step := range []func() error{
		func() error { return s.PutHold(ctx, hold) },
		func() error { return s.PutPin(ctx, pin) },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	snap, err := s.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if h, ok := snap.Held(v2); !ok || !cmp.Equal(h, hold) {
		t.Errorf("held %v: %+v, want %+v", ok, h, hold)
	}
	if _, ok := snap.Held(v1); ok {
		t.Errorf("%s held, want only %s", v1, v2)
	}
	if snap.Pin == nil || !cmp.Equal(*snap.Pin, pin) {
		t.Errorf("pin %+v, want %+v", snap.Pin, pin)
	}
	if err := s.PutHold(ctx, model.Hold{Version: v1}); !errors.Is(err, ErrInvalid) {
		t.Errorf("hold without a time: %v, want ErrInvalid", err)
	}
	if err := s.DeleteHold(ctx, v2); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteHold(ctx, v2); !errors.Is(err, ErrNotFound) {
		t.Errorf("second unhold: %v, want ErrNotFound", err)
	}
	if err := s.DeletePin(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.DeletePin(ctx); !errors.Is(err, ErrNotFound) {
		t.Errorf("second unpin: %v, want ErrNotFound", err)
	}
	snap, err = s.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Holds) != 0 || snap.Pin != nil {
		t.Errorf("after unhold and unpin: holds %v, pin %+v", snap.Holds, snap.Pin)
	}
}
