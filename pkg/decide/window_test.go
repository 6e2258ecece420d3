package decide

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/necoship/neco/pkg/model"
)

// pausedByWindow pauses the current update as neco-updater does when the
// window closed at closedAt; apply it after withCurrent.
func pausedByWindow(closedAt time.Time) snapOpt {
	return func(s *model.Snapshot) {
		s.Current.Paused = true
		s.Current.Acts = append(s.Current.Acts, windowAct(model.ActPause, closedAt, "the release window closed; it opens again at 2026-11-25 02:00 UTC"))
	}
}

func windowAct(kind model.ActKind, at time.Time, detail string) model.OperatorAct {
	return model.OperatorAct{Act: kind, By: model.ByReleaseWindow, At: at, Detail: detail}
}

// withActsPaused is u paused (or not) with acts.
func withActsPaused(u model.Update, paused bool, acts ...model.OperatorAct) *model.Update {
	u.Paused, u.Acts = paused, acts
	return &u
}

func endedAt(h *model.HistoryEntry, t time.Time) *model.HistoryEntry {
	h.FinishedAt = t
	return h
}

// TestWindowScope: with release-window-scope whole the updater pauses a
// running update when the window closes and resumes it when one opens;
// failures and completions still end it, an operator's pause is never
// resumed by the window, rollbacks and the default scope are not held.
func TestWindowScope(t *testing.T) {
	// The window is 02:00-02:59 UTC; now (02:10) is inside it, an hour
	// later is not.
	whole := cluster(t, "env", "production", "release-time", "* 2 * * *", "release-window-scope", "whole", "worker-timeout", "5m")
	start := cluster(t, "env", "production", "release-time", "* 2 * * *", "worker-timeout", "5m")
	noWindow := cluster(t, "env", "production", "release-window-scope", "whole", "worker-timeout", "5m")
	closed := now.Add(time.Hour)
	nextWindow := time.Date(2026, 11, 25, 2, 0, 0, 0, time.UTC)
	cur := current(v9, 1, 2)
	running := func(opts ...snapOpt) model.Snapshot {
		base := []snapOpt{registered(1, 2), withCurrent(v9, 1, 2), withBarrier(curID, 1)}
		return snap(append(base, opts...)...)
	}
	bothAt := func(step int, at time.Time) []snapOpt {
		return []snapOpt{worker(1, step, model.CondRunning, reportedAt(at)), worker(2, step, model.CondRunning, reportedAt(at))}
	}
	pauseWindow := windowAct(model.ActPause, closed, "the release window closed; it opens again at 2026-11-25 02:00 UTC")
	tests := []struct {
		name string
		in   UpdaterInput
		want Action
	}{
		{"whole: closed window pauses a running update",
			at(input(whole, nil, running(bothAt(1, closed.Add(-time.Minute))...)), closed),
			Action{Kind: ActionWindowPause, Update: withActsPaused(cur, true, pauseWindow), Until: nextWindow,
				Reason: "update 7 to 2026.11.23-9 pauses between steps: the release window closed; it opens again at 2026-11-25 02:00 UTC (release-window-scope whole)"}},
		{"whole: open window lets it go on",
			input(whole, nil, running(bothAt(2, now.Add(-time.Minute))...)),
			Action{Kind: ActionAdvanceBarrier, Barrier: &model.Barrier{ID: curID, Step: 2, OpenedAt: now},
				Reason: "all workers finished step 1; opening step 2"}},
		{"whole: paused by the window while it stays closed",
			at(input(whole, nil, running(append(bothAt(2, closed), pausedByWindow(closed))...)), closed.Add(3*time.Hour)),
			Action{Kind: ActionNone,
				Reason: "update 7 to 2026.11.23-9 is paused by neco-updater (release window) at 2026-11-24 03:10 UTC: the release window closed; it opens again at 2026-11-25 02:00 UTC; it goes on when the release window opens"}},
		{"whole: the next window resumes it",
			at(input(whole, nil, running(append(bothAt(2, closed), pausedByWindow(closed))...)), nextWindow.Add(time.Second)),
			Action{Kind: ActionWindowResume, Update: withActsPaused(cur, false, pauseWindow, windowAct(model.ActResume, nextWindow.Add(time.Second), "a release window opened")),
				Reason: "update 7 to 2026.11.23-9 goes on: a release window opened"}},
		{"whole: after the window's resume silence counts from it",
			at(input(whole, nil, running(append(bothAt(1, closed), pausedByWindow(closed), resumed(nextWindow))...)), nextWindow.Add(2*time.Minute)),
			Action{Kind: ActionNone, Reason: "waiting for workers: 1 at step 1, 2 at step 1"}},
		{"whole: the window never resumes an operator's pause",
			at(input(whole, nil, running(append(bothAt(2, closed), pausedByWindow(closed), pausedBy("incident 42"))...)), nextWindow.Add(time.Second)),
			Action{Kind: ActionNone,
				Reason: "update 7 to 2026.11.23-9 is paused by bob@boot-1 at 2026-11-24 02:01 UTC: incident 42; `neco update resume` lets it go on"}},
		{"whole: an operator's resume outside the window is paused again",
			at(input(whole, nil, running(append(bothAt(1, closed), pausedByWindow(closed), resumed(closed.Add(time.Minute)))...)), closed.Add(2*time.Minute)),
			Action{Kind: ActionWindowPause,
				Update: withActsPaused(cur, true, pauseWindow, model.OperatorAct{Act: model.ActResume, By: "bob@boot-1", At: closed.Add(time.Minute)},
					model.OperatorAct{Act: model.ActPause, By: model.ByReleaseWindow, At: closed.Add(2 * time.Minute), Detail: pauseWindow.Detail}),
				Until:  nextWindow,
				Reason: "update 7 to 2026.11.23-9 pauses between steps: the release window closed; it opens again at 2026-11-25 02:00 UTC (release-window-scope whole)"}},
		{"whole: scope back to start resumes the window's pause",
			at(input(start, nil, running(append(bothAt(2, closed), pausedByWindow(closed))...)), closed.Add(time.Hour)),
			Action{Kind: ActionWindowResume, Update: withActsPaused(cur, false, pauseWindow, windowAct(model.ActResume, closed.Add(time.Hour), "a release window opened")),
				Reason: "update 7 to 2026.11.23-9 goes on: a release window opened"}},
		{"whole: a failure outside the window still aborts",
			at(input(whole, nil, running(worker(1, 1, model.CondAborted, saying("unit failed"), reportedAt(closed)))), closed),
			Action{Kind: ActionAbort, Update: ended(cur), History: endedAt(history(cur, model.ResultAborted, "worker 1: unit failed"), closed),
				Reason: "worker 1 aborted at step 1: unit failed"}},
		{"whole: an update whose servers completed still finishes",
			at(input(whole, nil, running(worker(1, 4, model.CondCompleted), worker(2, 4, model.CondCompleted))), closed),
			Action{Kind: ActionFinish, Update: &cur, History: endedAt(history(cur, model.ResultCompleted, ""), closed),
				Reason: "update 7 to 2026.11.23-9 completed on servers 1, 2"}},
		{"whole: a rollback is not held",
			at(input(whole, nil, running(append(bothAt(2, closed), asRollback())...)), closed),
			Action{Kind: ActionAdvanceBarrier, Barrier: &model.Barrier{ID: curID, Step: 2, OpenedAt: closed},
				Reason: "all workers finished step 1; opening step 2"}},
		{"start: a started update runs outside the window",
			at(input(start, nil, running(bothAt(2, closed)...)), closed),
			Action{Kind: ActionAdvanceBarrier, Barrier: &model.Barrier{ID: curID, Step: 2, OpenedAt: closed},
				Reason: "all workers finished step 1; opening step 2"}},
		{"whole without release-time holds nothing",
			at(input(noWindow, nil, running(bothAt(2, closed)...)), closed),
			Action{Kind: ActionAdvanceBarrier, Barrier: &model.Barrier{ID: curID, Step: 2, OpenedAt: closed},
				Reason: "all workers finished step 1; opening step 2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, NextAction(tt.in), ignoreFromFields); diff != "" {
				t.Errorf("NextAction (-want +got):\n%s", diff)
			}
		})
	}
}
