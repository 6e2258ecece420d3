package worker

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/necoship/neco/pkg/model"
)

// TestPauseMidRollout: paused while server 0 restarts its unit (held by
// the fake systemd's gate), the rollout starts no new step on any server
// until resumed: server 0's restart ends, and the next servers' rolling
// turns begin only after the resume. Then it completes, the pause and the
// resume in its history.
func TestPauseMidRollout(t *testing.T) {
	s := newSite(t)
	gate := s.heldInRollingRestart("2026.11.23-1", 0, 1, 2)
	ctx := context.Background()
	if _, _, err := s.st.PauseUpdate(ctx, model.OperatorAct{Act: model.ActPause, By: "ops", At: time.Now(), Detail: "test"}); err != nil {
		t.Fatal(err)
	}
	close(gate)
	paused := s.waitFor("server 0 to finish the step it was in", time.Minute, func(sn model.Snapshot) bool {
		return sn.Workers[0].Step >= 2
	})
	// Long enough for every loop to have seen server 0's report many times
	// over (ticks are 100ms); what is asserted below does not depend on it.
	time.Sleep(2 * time.Second)
	resumedAt := time.Now()
	if _, _, err := s.st.ResumeUpdate(ctx, model.OperatorAct{Act: model.ActResume, By: "ops", At: resumedAt}); err != nil {
		t.Fatal(err)
	}
	snap := s.waitEnd(model.ResultCompleted, time.Minute)

	for _, ev := range s.events.list {
		if ev.LRN != 0 && ev.Start.Before(resumedAt) && ev.Verb != "check" {
			t.Errorf("server %d began %s %s at %s, while paused (resumed at %s)", ev.LRN, ev.Verb, ev.Unit,
				ev.Start.Format(time.StampMicro), resumedAt.Format(time.StampMicro))
		}
	}
	if b := paused.Barrier; b == nil || snap.Barrier.Step <= b.Step {
		t.Errorf("barrier %+v when paused, %+v at the end", paused.Barrier, snap.Barrier)
	}
	var acts []model.ActKind
	for _, a := range snap.Finished.Acts {
		acts = append(acts, a.Act)
	}
	if len(acts) != 2 || acts[0] != model.ActPause || acts[1] != model.ActResume {
		t.Errorf("history acts %v, want pause then resume", acts)
	}
}

// TestReleaseWindowWholeMidRollout: with release-window-scope whole, a
// window that closes while server 0 restarts its unit pauses the rollout
// (neco-updater's own pause): server 0 finishes its step, no other server
// starts one, and nobody times out; when a window opens the updater resumes
// it and it completes, both acts By the release window in its history.
// The window closes and opens by changing release-time, which the decision
// cannot tell from the clock moving; the updater's clock stays real, so
// that the workers' report times and its own agree.
func TestReleaseWindowWholeMidRollout(t *testing.T) {
	s := newSite(t)
	s.setConfig("release-time", "* * * * *", "release-window-scope", "whole")
	gate := s.heldInRollingRestart("2026.11.23-1", 0, 1, 2)
	later := time.Now().UTC().Add(12 * time.Hour)
	s.setConfig("release-time", fmt.Sprintf("%d %d * * *", later.Minute(), later.Hour()))
	s.waitFor("the window's pause", time.Minute, func(sn model.Snapshot) bool {
		return sn.Current != nil && sn.Current.PausedByWindow()
	})
	close(gate)
	paused := s.waitFor("server 0 to finish the step it was in", time.Minute, func(sn model.Snapshot) bool {
		return sn.Workers[0].Step >= 2
	})
	// Long enough for every loop to have seen server 0's report many times
	// over (ticks are 100ms); what is asserted below does not depend on it.
	time.Sleep(2 * time.Second)
	openedAt := time.Now()
	s.setConfig("release-time", "* * * * *")
	snap := s.waitEnd(model.ResultCompleted, time.Minute)

	for _, ev := range s.events.list {
		if ev.LRN != 0 && ev.Start.Before(openedAt) && ev.Verb != "check" {
			t.Errorf("server %d began %s %s at %s, outside the window (opened at %s)", ev.LRN, ev.Verb, ev.Unit,
				ev.Start.Format(time.StampMicro), openedAt.Format(time.StampMicro))
		}
	}
	if b := paused.Barrier; b == nil || snap.Barrier.Step <= b.Step {
		t.Errorf("barrier %+v when paused, %+v at the end", paused.Barrier, snap.Barrier)
	}
	var acts []string
	for _, a := range snap.Finished.Acts {
		acts = append(acts, string(a.Act)+" by "+a.By)
	}
	want := []string{"pause by " + model.ByReleaseWindow, "resume by " + model.ByReleaseWindow}
	if !slices.Equal(acts, want) {
		t.Errorf("history acts %q, want %q", acts, want)
	}
}
