package decide

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/necoship/neco/pkg/model"
)

// TestNextWorkerActionRolling: a server's rolling turn at step 1 of the
// test plan, decided on its own report and the turns record. The other
// servers' reports in these snapshots are read by the updater only
// (byUpdater): what the worker decides on the record is what it decided
// on every report before the record existed.
func TestNextWorkerActionRolling(t *testing.T) {
	running := func(opts ...snapOpt) model.Snapshot {
		return snap(append([]snapOpt{registered(0, 2, 10), withCurrent(v10, 0, 2, 10), withBarrier(curID, 1)}, opts...)...)
	}
	const name = "restart etcd.service (rolling)"
	goes := want(WorkerRun, 1, 1, model.CondRunning, name, name)
	waits := func(reason string) WorkerAction { return want(WorkerWait, 1, 1, model.CondRunning, name, reason) }
	soaks := withPlan(testPlan(soak(5 * time.Minute)))
	two := withPlan(testPlan(maxUnavailable(2)))
	tests := []struct {
		name string
		in   WorkerInput
		want WorkerAction
	}{
		{"first server goes", workerIn(0, running(worker(0, 1, model.CondRunning), worker(2, 1, model.CondRunning))), goes},
		{"second waits for the first", workerIn(2, running(worker(0, 1, model.CondRunning), worker(2, 1, model.CondRunning), byUpdater(1, 0))),
			waitingAt(1, turnOf(1, 0), waits("waiting for servers 0 to finish restart etcd.service (rolling)"))},
		{"numeric order, 10 waits for 0 and 2", workerIn(10, running(worker(10, 1, model.CondRunning), byUpdater(1, 0))),
			waitingAt(2, turnOf(1, 0), waits("waiting for servers 0, 2 to finish restart etcd.service (rolling)"))},
		{"turn comes when the one ahead finished", workerIn(2, running(worker(0, 2, model.CondRunning), worker(2, 1, model.CondRunning), byUpdater(1, 0))), goes},
		{"a completed server counts as finished", workerIn(2, running(worker(0, 7, model.CondCompleted), worker(2, 1, model.CondRunning), byUpdater(1, 0))), goes},
		{"no record yet: it waits for one, even when the one ahead finished", workerIn(2, running(worker(0, 2, model.CondRunning), worker(2, 1, model.CondRunning))),
			waitingAt(1, turnOf(1, 0), waits("waiting for servers 0 to finish restart etcd.service (rolling)"))},
		{"a record of another step is not read", workerIn(2, running(worker(2, 1, model.CondRunning), withTurns(model.Turns{ID: curID, Step: 2, Done: 3, Open: 3}))),
			waitingAt(1, turnOf(1, 0), waits("waiting for servers 0 to finish restart etcd.service (rolling)"))},
		{"a record of another update is not read", workerIn(2, running(worker(2, 1, model.CondRunning), withTurns(model.Turns{ID: curID - 1, Step: 1, Done: 3, Open: 3}))),
			waitingAt(1, turnOf(1, 0), waits("waiting for servers 0 to finish restart etcd.service (rolling)"))},
		{"a record of the canary phase is not read after it", workerIn(10, running(withCanaries(0), worker(10, 1, model.CondRunning),
			withTurns(model.Turns{ID: curID, Step: 1, Canary: true, Done: 3, Open: 3}))),
			waitingAt(2, turnOf(1, 0), waits("waiting for servers 0, 2 to finish restart etcd.service (rolling)"))},
		{"the barrier past the step (its report was lost): it goes", workerIn(10, running(withBarrier(curID, 3), worker(10, 1, model.CondRunning))), goes},
		{"soak: the next server waits for the restart to soak", workerIn(2, running(worker(0, 2, model.CondRunning), worker(2, 1, model.CondRunning), byUpdater(1, 5*time.Minute)), soaks),
			waitingAt(1, turnOf(1, 5*time.Minute), waits("waiting for server 0's restart etcd.service (rolling) to soak until 02:14:00 UTC"))},
		{"soak: soaked long enough, the turn comes", workerIn(2, running(worker(0, 2, model.CondRunning, reportedAt(now.Add(-5*time.Minute))),
			worker(2, 1, model.CondRunning), byUpdater(1, 5*time.Minute)), soaks), goes},
		{"soak: past soak.at on this server's clock it still waits for the leader's record (clocks differ)", workerIn(2, running(worker(2, 1, model.CondRunning),
			withTurns(model.Turns{ID: curID, Step: 1, Done: 1, Open: 1, Soak: &model.TurnSoak{Upto: 2, At: now.Add(-time.Minute), After: 0}})), soaks),
			waitingAt(1, turnOf(1, 5*time.Minute), waits("waiting for server 0's restart etcd.service (rolling) to soak until 02:09:00 UTC"))},
		{"soak: the leader's record opens the turn", workerIn(2, running(worker(2, 1, model.CondRunning),
			withTurns(model.Turns{ID: curID, Step: 1, Done: 1, Open: 2})), soaks), goes},
		{"soak: counted from the latest restart ahead", workerIn(10, running(worker(0, 2, model.CondRunning, reportedAt(now.Add(-time.Hour))),
			worker(2, 2, model.CondRunning), worker(10, 1, model.CondRunning), byUpdater(1, 5*time.Minute)), soaks),
			waitingAt(2, turnOf(1, 5*time.Minute), waits("waiting for server 2's restart etcd.service (rolling) to soak until 02:14:00 UTC"))},
		{"soak: a completed server ahead soaks too", workerIn(2, running(worker(0, 7, model.CondCompleted), worker(2, 1, model.CondRunning), byUpdater(1, 5*time.Minute)), soaks),
			waitingAt(1, turnOf(1, 5*time.Minute), waits("waiting for server 0's restart etcd.service (rolling) to soak until 02:14:00 UTC"))},
		{"soak: the first server does not wait", workerIn(0, running(worker(0, 1, model.CondRunning)), soaks), goes},
		{"soak, max-unavailable 2: second goes with the first", workerIn(2, running(worker(0, 2, model.CondRunning), worker(2, 1, model.CondRunning)),
			withPlan(testPlan(soak(5*time.Minute), maxUnavailable(2)))), goes},
		{"max-unavailable 2: second goes with the first", workerIn(2, running(worker(2, 1, model.CondRunning)), two), goes},
		{"max-unavailable 2: third waits for the first only", workerIn(10, running(worker(2, 1, model.CondRunning), worker(10, 1, model.CondRunning), byUpdater(2, 0)), two),
			waitingAt(2, turnOf(2, 0), waits("waiting for servers 0 to finish restart etcd.service (rolling)"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, NextWorkerAction(tt.in), cmpopts.IgnoreFields(WorkerAction{}, "Step")); diff != "" {
				t.Errorf("NextWorkerAction() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRollingSoaksBeyondTheNextTurns: with max-unavailable 2 and a soak,
// the servers ahead of two turns finished at different times: both wait
// for the records the updater writes, the first for the one it writes
// when its soak ends, the second for a later one.
func TestRollingSoaksBeyondTheNextTurns(t *testing.T) {
	s := snap(registered(0, 2, 10, 11), withCurrent(v10, 0, 2, 10, 11), withBarrier(curID, 1),
		worker(0, 2, model.CondRunning, reportedAt(now.Add(-4*time.Minute))), worker(2, 2, model.CondRunning),
		worker(10, 1, model.CondRunning), worker(11, 1, model.CondRunning), byUpdater(2, 5*time.Minute))
	p := withPlan(testPlan(soak(5*time.Minute), maxUnavailable(2)))
	wantTurns := model.Turns{ID: curID, Step: 1, Done: 2, Open: 2, Soak: &model.TurnSoak{Upto: 3, At: now.Add(time.Minute), After: 0}}
	if diff := cmp.Diff(&wantTurns, s.Turns); diff != "" {
		t.Fatalf("turns (-want +got):\n%s", diff)
	}
	const name = "restart etcd.service (rolling)"
	turn := turnOf(2, 5*time.Minute)
	for _, tt := range []struct {
		lrn  int
		want WorkerAction
	}{
		{10, waitingAt(2, turn, want(WorkerWait, 1, 1, model.CondRunning, name,
			"waiting for server 0's restart etcd.service (rolling) to soak until 02:11:00 UTC"))},
		{11, waitingAt(3, turn, want(WorkerWait, 1, 1, model.CondRunning, name,
			"waiting for the restarts ahead of it to soak 5m0s before restart etcd.service (rolling)"))},
	} {
		got := NextWorkerAction(workerIn(tt.lrn, s, p))
		if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(WorkerAction{}, "Step")); diff != "" {
			t.Errorf("server %d (-want +got):\n%s", tt.lrn, diff)
		}
	}
}

func TestWaitOver(t *testing.T) {
	w := Wait{Position: 2, ID: curID, Step: 1}
	turns := func(id int64, step int, canary bool, done, open int, soak *model.TurnSoak) *model.Turns {
		return &model.Turns{ID: id, Step: step, Canary: canary, Done: done, Open: open, Soak: soak}
	}
	later := &model.TurnSoak{Upto: 3, At: now, After: 0}
	for _, tt := range []struct {
		name  string
		turns *model.Turns
		want  bool
	}{
		{"more done, its turn not open", turns(curID, 1, false, 1, 2, nil), false},
		{"its turn opens", turns(curID, 1, false, 2, 3, nil), true},
		{"a soak holds its turn: not open until a record opens it", turns(curID, 1, false, 2, 2, later), false},
		{"another step", turns(curID, 2, false, 0, 1, nil), true},
		{"another phase", turns(curID, 1, true, 0, 1, nil), true},
		{"another update", turns(curID+1, 1, false, 0, 1, nil), true},
		{"deleted or undecodable", nil, true},
	} {
		if got := w.Over(tt.turns); got != tt.want {
			t.Errorf("%s: Over = %v, want %v", tt.name, got, tt.want)
		}
	}
}
