package worker

import (
	"context"
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
