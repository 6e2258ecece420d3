package storage

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/necoship/neco/pkg/model"
)

// TestSetWindowPause: the release window's pause is a fenced write on the
// snapshot it was decided on; an operator's pause takes it over, so that
// the window no longer resumes it.
func TestSetWindowPause(t *testing.T) {
	s, c := newStorage(t)
	ctx := testContext(t)
	key, _ := campaign(t, s, c)
	if err := s.StartUpdate(ctx, key, update(5), model.Barrier{ID: 5}); err != nil {
		t.Fatal(err)
	}
	snap, err := s.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	paused := update(5)
	paused.Paused = true
	paused.Acts = []model.OperatorAct{{Act: model.ActPause, By: model.ByReleaseWindow, At: t0, Detail: "the release window closed"}}
	for _, tt := range []struct {
		name   string
		leader string
		rev    int64
		want   error
	}{
		{"not the leader", s.LeaderUpdaterKey() + "gone", snap.Revision, ErrNoLeader},
		{"status/current changed since", key, snap.Revision - 2, ErrConflict},
		{"written", key, snap.Revision, nil},
		{"written again on the old snapshot", key, snap.Revision, ErrConflict},
	} {
		err := s.SetWindowPause(ctx, tt.leader, tt.rev, paused)
		if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
	got, _, err := load[model.Update](ctx, s, s.StatusCurrentKey())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(paused, got); diff != "" || !got.PausedByWindow() {
		t.Errorf("status/current (-want +got):\n%s", diff)
	}

	// Pausing what the window paused changes who holds it.
	bob := model.OperatorAct{Act: model.ActPause, By: "bob@boot-1", At: t0.Add(1), Detail: "incident 42"}
	u, changed, err := s.PauseUpdate(ctx, bob)
	if err != nil || !changed || u.PausedByWindow() {
		t.Fatalf("operator pause over the window's: changed %v, by window %v, %v", changed, u.PausedByWindow(), err)
	}
	if _, changed, err := s.PauseUpdate(ctx, bob); err != nil || changed {
		t.Errorf("operator pause over an operator's: changed %v, %v; want nothing changed", changed, err)
	}

	// Once the update ended the window writes nothing, even on a
	// snapshot taken after the end.
	if err := s.FinishUpdate(ctx, key, u, historyEntry(5, model.ResultCompleted)); err != nil {
		t.Fatal(err)
	}
	if snap, err = s.Snapshot(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.SetWindowPause(ctx, key, snap.Revision, update(5)); !errors.Is(err, ErrConflict) {
		t.Errorf("window pause of an ended update: %v, want ErrConflict", err)
	}
}
