package decide

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/necoship/neco/pkg/model"
)

// waitingTurn is a report waiting for its turn at a rolling step: it
// carries the step's name and turn.
func waitingTurn(turn *model.RollingTurn) workerOpt {
	return func(w *model.WorkerStatus) { w.StepName, w.Turn = "restart etcd.service (rolling)", turn }
}

// TestOpenTurns: at a rolling step the updater writes status/turns from
// the reports: in LRN order, max-unavailable at once, after the soak,
// completed servers done; only when servers wait for a turn there, and
// only when it says more than the stored record of that barrier.
func TestOpenTurns(t *testing.T) {
	cfg := cluster(t, "env", "production")
	one, soaked := turnOf(1, 0), turnOf(1, 5*time.Minute)
	rolling := func(turn *model.RollingTurn, opts ...snapOpt) model.Snapshot {
		return snap(append([]snapOpt{registered(0, 2, 10), withCurrent(v10, 0, 2, 10), withBarrier(curID, 1),
			worker(0, 2, model.CondRunning), worker(2, 1, model.CondRunning, waitingTurn(turn)),
			worker(10, 1, model.CondRunning, waitingTurn(turn))}, opts...)...)
	}
	turns := func(done, open int, soak *model.TurnSoak) *model.Turns {
		return &model.Turns{ID: curID, Step: 1, Done: done, Open: open, Soak: soak}
	}
	soakNext := &model.TurnSoak{Upto: 2, At: now.Add(4 * time.Minute), After: 0}
	waiting := "waiting for workers: 2 at step 1, 10 at step 1"
	tests := []struct {
		name string
		in   UpdaterInput
		want Action
	}{
		{"servers wait for their turn: the record opens the next", input(cfg, nil, rolling(one)),
			Action{Kind: ActionOpenTurns, Turns: turns(1, 2, nil),
				Reason: "restart etcd.service (rolling): 1 of 3 servers finished; turns open up to server 2 (max-unavailable 1)"}},
		{"the stored record says as much: nothing to write", input(cfg, nil, rolling(one, withTurns(*turns(1, 2, nil)))),
			Action{Kind: ActionNone, Reason: waiting}},
		{"a stored record of the step before is replaced", input(cfg, nil, rolling(one, withTurns(model.Turns{ID: curID, Step: 0, Done: 3, Open: 3}))),
			Action{Kind: ActionOpenTurns, Turns: turns(1, 2, nil),
				Reason: "restart etcd.service (rolling): 1 of 3 servers finished; turns open up to server 2 (max-unavailable 1)"}},
		{"a completed server counts as done", input(cfg, nil, rolling(one, worker(0, 7, model.CondCompleted), worker(2, 2, model.CondRunning))),
			Action{Kind: ActionOpenTurns, Turns: turns(2, 3, nil),
				Reason: "restart etcd.service (rolling): 2 of 3 servers finished; turns open up to server 10 (max-unavailable 1)"}},
		{"nobody waits for a turn: no record", input(cfg, nil, rolling(nil)),
			Action{Kind: ActionNone, Reason: waiting}},
		{"of the reports' parameters the most careful counts", input(cfg, nil, rolling(one, worker(2, 1, model.CondRunning, waitingTurn(turnOf(2, 0))))),
			Action{Kind: ActionOpenTurns, Turns: turns(1, 2, nil),
				Reason: "restart etcd.service (rolling): 1 of 3 servers finished; turns open up to server 2 (max-unavailable 1)"}},
		{"soak: the next turns open when the restart ahead has soaked", input(cfg, nil, rolling(soaked)),
			Action{Kind: ActionOpenTurns, Turns: turns(1, 1, soakNext), Until: soakNext.At,
				Reason: "restart etcd.service (rolling): 1 of 3 servers finished; turns open up to server 0 (max-unavailable 1); up to server 2 at 02:14:00 UTC, when server 0's restart has soaked 5m0s"}},
		{"soak: stored, the updater decides again when it ends", input(cfg, nil, rolling(soaked, withTurns(*turns(1, 1, soakNext)))),
			Action{Kind: ActionNone, Until: soakNext.At, Reason: waiting}},
		{"soak: when it ended, the turns open", at(input(cfg, nil, rolling(soaked, withTurns(*turns(1, 1, soakNext)))), soakNext.At),
			Action{Kind: ActionOpenTurns, Turns: turns(1, 2, nil),
				Reason: "restart etcd.service (rolling): 1 of 3 servers finished; turns open up to server 2 (max-unavailable 1)"}},
		{"a record behind the stored one (a clock behind the last leader's) is not written", input(cfg, nil, rolling(soaked, withTurns(*turns(1, 2, nil)))),
			Action{Kind: ActionNone, Until: soakNext.At, Reason: waiting}},
		{"paused: no turn opens", input(cfg, nil, rolling(one, pausedBy(""))),
			Action{Kind: ActionNone, Reason: "update 7 to 2026.11.23-10 is paused by bob@boot-1 at 2026-11-24 02:01 UTC; `neco update resume` lets it go on"}},
		{"canary phase: a record of the canary phase", input(cluster(t, "env", "production", "canary", "2"), nil,
			rolling(one, withCanaries(0, 2), canaryBarrier(curID, 1), worker(10, 0, model.CondRunning, forUpdate(curID-1)))),
			Action{Kind: ActionOpenTurns, Turns: &model.Turns{ID: curID, Step: 1, Canary: true, Done: 1, Open: 2},
				Reason: "restart etcd.service (rolling): 1 of 3 servers finished; turns open up to server 2 (max-unavailable 1)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, NextAction(tt.in)); diff != "" {
				t.Errorf("NextAction (-want +got):\n%s", diff)
			}
		})
	}
}
