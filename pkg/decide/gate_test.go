package decide

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/necoship/neco/pkg/model"
)

// gate records the alert gate's state: alerts firing, or an error.
func gate(errMsg string, firing ...string) snapOpt {
	return func(s *model.Snapshot) { s.Gate = &model.GateState{Firing: firing, Error: errMsg, Since: t0} }
}

// TestGate: while the alert gate holds (a matching alert fires, or
// Prometheus gave no answer), no update starts, the canary phase does not
// end, nobody times out and no rolling turn begins; rollbacks are not
// held; without a configured gate its record means nothing.
func TestGate(t *testing.T) {
	gated := cluster(t, "env", "production", "gate-prometheus-url", "http://127.0.0.1:9090/", "worker-timeout", "5m")
	gatedCanary := cluster(t, "env", "production", "gate-prometheus-url", "http://127.0.0.1:9090/", "canary", "1")
	ungated := cluster(t, "env", "production")
	completedV9 := func(opts ...snapOpt) model.Snapshot {
		return snap(append([]snapOpt{registered(1, 2), withCurrent(v9, 1, 2), finished(model.ResultCompleted, "")}, opts...)...)
	}
	tests := []struct {
		name string
		in   UpdaterInput
		want Action
	}{
		{"alerts firing hold the start", input(gated, release(v10), completedV9(gate("", "EtcdDown", "NodeNotReady"))),
			Action{Kind: ActionWaitGate, Reason: "update of 2026.11.23-10 waits for the alert gate: alerts firing: EtcdDown, NodeNotReady"}},
		{"no answer from Prometheus holds", input(gated, release(v10), completedV9(gate("connection refused"))),
			Action{Kind: ActionWaitGate, Reason: "update of 2026.11.23-10 waits for the alert gate: the alert gate cannot ask Prometheus: connection refused"}},
		{"no record yet holds", input(gated, release(v10), completedV9()),
			Action{Kind: ActionWaitGate, Reason: "update of 2026.11.23-10 waits for the alert gate: the alert gate has no answer from Prometheus yet"}},
		{"an open gate lets it start", input(gated, release(v10), completedV9(gate(""))),
			Action{Kind: ActionStartUpdate, Update: started(8, v10, "release-"+v10, model.ReasonUpdate, now, 1, 2),
				Barrier: &model.Barrier{ID: 8, OpenedAt: now},
				Reason:  "starting update 8: update from 2026.11.23-9 to 2026.11.23-10 on servers 1, 2"}},
		{"no gate configured: its record means nothing", input(ungated, release(v10), completedV9(gate("", "EtcdDown"))),
			Action{Kind: ActionStartUpdate, Update: started(8, v10, "release-"+v10, model.ReasonUpdate, now, 1, 2),
				Barrier: &model.Barrier{ID: 8, OpenedAt: now},
				Reason:  "starting update 8: update from 2026.11.23-9 to 2026.11.23-10 on servers 1, 2"}},
		{"a rollback is not held", input(gated, nil, completedV9(gate("", "EtcdDown"), rollbackRequested(v9, v10))),
			Action{Kind: ActionStartUpdate, Update: byRollback(started(8, v9, "release-"+v9, model.ReasonRollback, now, 1, 2), "from 2026.11.23-10"),
				Barrier: &model.Barrier{ID: 8, OpenedAt: now},
				Reason:  "starting update 8: rollback from 2026.11.23-10 to 2026.11.23-9 requested by alice@boot-0 on servers 1, 2"}},
		{"the canary phase does not end", input(gatedCanary, nil, snap(registered(1, 2), withCurrent(v9, 1, 2), withCanaries(1), canaryBarrier(curID, 3),
			worker(1, 4, model.CondRunning, hasCanaried()), gate("", "EtcdDown"))),
			Action{Kind: ActionNone, Reason: "canaries 1 finished update 7 to 2026.11.23-9; servers 2 wait for the alert gate: alerts firing: EtcdDown"}},
		{"nobody times out while it holds", input(gated, nil, snap(registered(1, 2), withCurrent(v9, 1, 2), withBarrier(curID, 1),
			worker(1, 1, model.CondRunning, reportedAt(now.Add(-9*time.Minute))), worker(2, 2, model.CondRunning), gate("", "EtcdDown"))),
			Action{Kind: ActionNone, Reason: "waiting for workers: 1 at step 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, NextAction(tt.in), ignoreFromFields); diff != "" {
				t.Errorf("NextAction (-want +got):\n%s", diff)
			}
		})
	}
	// A rolling turn waits; other steps run.
	turn := func(g bool, opts ...snapOpt) WorkerInput {
		in := workerIn(2, snap(append([]snapOpt{registered(0, 2), withCurrent(v10, 0, 2), withBarrier(curID, 1),
			worker(0, 2, model.CondRunning), worker(2, 1, model.CondRunning)}, append(opts, byUpdater(1, 0))...)...))
		in.Gate = g
		return in
	}
	rolling := "restart etcd.service (rolling)"
	for _, tt := range []struct {
		name string
		in   WorkerInput
		want WorkerAction
	}{
		{"a rolling turn waits while alerts fire", turn(true, gate("", "EtcdDown")),
			WorkerAction{Kind: WorkerWait, StepIndex: 1, Reason: "restart etcd.service (rolling) waits for the alert gate: alerts firing: EtcdDown",
				Report: &model.WorkerStatus{ID: curID, Version: model.MustParseVersion(v10), Step: 1, StepName: rolling, Cond: model.CondRunning,
					UpdatedAt: now, Message: rolling + " waits for the alert gate: alerts firing: EtcdDown", Turn: turnOf(1, 0)},
				Wait: &Wait{Position: -1, Until: now.Add(time.Minute), ID: curID, Step: 1}}},
		{"the turn goes when the gate opens", turn(true, gate("")),
			want(WorkerRun, 1, 1, model.CondRunning, rolling, rolling)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := NextWorkerAction(tt.in)
			got.Step = nil
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("NextWorkerAction (-want +got):\n%s", diff)
			}
		})
	}
}
