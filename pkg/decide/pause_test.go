package decide

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/necoship/neco/pkg/model"
)

// pausedBy pauses the current update (bob, a minute after it started);
// apply it after withCurrent.
func pausedBy(reason string) snapOpt {
	return func(s *model.Snapshot) {
		s.Current.Paused = true
		s.Current.Acts = append(s.Current.Acts, model.OperatorAct{Act: model.ActPause, By: "bob@boot-1", At: t0.Add(time.Minute), Detail: reason})
	}
}

// resumed resumes it at at.
func resumed(at time.Time) snapOpt {
	return func(s *model.Snapshot) {
		s.Current.Paused = false
		s.Current.Acts = append(s.Current.Acts, model.OperatorAct{Act: model.ActResume, By: "bob@boot-1", At: at})
	}
}

// TestPause: a paused update opens no barrier and times nobody out; a
// failure or a completion still ends it; after resume, silence counts from
// the resume. Workers start no step while it is paused.
func TestPause(t *testing.T) {
	fast := cluster(t, "env", "production", "worker-timeout", "5m")
	const pausedMsg = "update 7 to 2026.11.23-9 is paused by bob@boot-1 at 2026-11-24 02:01 UTC: incident 42; `neco update resume` lets it go on"
	cur := current(v9, 1, 2)
	updater := []struct {
		name string
		in   UpdaterInput
		want Action
	}{
		{"paused: no barrier opens", input(fast, nil, snap(registered(1, 2), withCurrent(v9, 1, 2), pausedBy("incident 42"), withBarrier(curID, 0),
			worker(1, 1, model.CondRunning), worker(2, 1, model.CondRunning))),
			Action{Kind: ActionNone, Reason: pausedMsg}},
		{"paused: nobody times out", input(fast, nil, snap(registered(1, 2), withCurrent(v9, 1, 2), pausedBy("incident 42"), withBarrier(curID, 1),
			worker(1, 1, model.CondRunning, reportedAt(now.Add(-9*time.Minute))), worker(2, 2, model.CondRunning))),
			Action{Kind: ActionNone, Reason: pausedMsg}},
		{"paused: a failure still aborts", input(fast, nil, snap(registered(1, 2), withCurrent(v9, 1, 2), pausedBy("incident 42"), withBarrier(curID, 1),
			worker(1, 1, model.CondAborted, saying("unit failed")))),
			Action{Kind: ActionAbort, Update: ended(withAct(cur, "incident 42")), History: historyActs(history(cur, model.ResultAborted, "worker 1: unit failed"), pauseAct("incident 42")),
				Reason: "worker 1 aborted at step 1: unit failed"}},
		{"resumed: silence counts from the resume", input(fast, nil, snap(registered(1, 2), withCurrent(v9, 1, 2), pausedBy(""), resumed(now.Add(-2*time.Minute)),
			withBarrier(curID, 1), worker(1, 1, model.CondRunning, reportedAt(now.Add(-9*time.Minute))), worker(2, 2, model.CondRunning))),
			Action{Kind: ActionNone, Reason: "waiting for workers: 1 at step 1"}},
	}
	for _, tt := range updater {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, NextAction(tt.in), ignoreFromFields); diff != "" {
				t.Errorf("NextAction (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("paused: a worker starts no step", func(t *testing.T) {
		in := workerIn(2, snap(registered(0, 2), withCurrent(v10, 0, 2), pausedBy("incident 42"), withBarrier(curID, 1), worker(2, 1, model.CondRunning)))
		want := WorkerAction{Kind: WorkerIdle,
			Reason: "update 7 to 2026.11.23-10 is paused by bob@boot-1 at 2026-11-24 02:01 UTC: incident 42; `neco update resume` lets it go on"}
		if diff := cmp.Diff(want, NextWorkerAction(in)); diff != "" {
			t.Errorf("NextWorkerAction (-want +got):\n%s", diff)
		}
	})
}

func pauseAct(reason string) model.OperatorAct {
	return model.OperatorAct{Act: model.ActPause, By: "bob@boot-1", At: t0.Add(time.Minute), Detail: reason}
}

func withAct(u model.Update, reason string) model.Update {
	u.Paused = true
	u.Acts = []model.OperatorAct{pauseAct(reason)}
	return u
}
