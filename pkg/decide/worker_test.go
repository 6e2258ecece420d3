package decide

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/plan"
)

// Fixtures for the worker's table test: the plan of v10 has every kind of
// step. Its steps are
//
//	0 prepare  1 restart etcd (rolling)  2 stop cke  3 start cke
//	4 restart sabakan (anytime)  5 once upload (irreversible)  6 once warm
func testPlan(opts ...func(*plan.Plan)) *plan.Plan {
	p := &plan.Plan{
		Version: model.MustParseVersion(v10),
		Services: []plan.Service{
			{Unit: "etcd.service", Strategy: plan.StrategyRolling, MaxUnavailable: 1},
			{Unit: "cke.service", Strategy: plan.StrategyStopAll},
			{Unit: "sabakan.service", Strategy: plan.StrategyAnytime},
		},
		Once: []plan.OnceStep{
			{Name: "upload", Exec: []string{"/usr/bin/upload"}, Irreversible: true},
			{Name: "warm", Exec: []string{"/usr/bin/warm"}},
		},
	}
	for _, o := range opts {
		o(p)
	}
	return p
}

func soak(d time.Duration) func(*plan.Plan) {
	return func(p *plan.Plan) { p.Services[0].Soak = plan.Duration{Duration: d} }
}

func maxUnavailable(n int) func(*plan.Plan) {
	return func(p *plan.Plan) { p.Services[0].MaxUnavailable = n }
}

func withContent(name, version string, success bool) snapOpt {
	return func(s *model.Snapshot) {
		if s.Contents == nil {
			s.Contents = map[string]model.Content{}
		}
		s.Contents[name] = model.Content{Version: model.MustParseVersion(version), Success: success}
	}
}

// workerIn is server lrn's input: v10's plan installed, not the leader.
func workerIn(lrn int, s model.Snapshot, opts ...func(*WorkerInput)) WorkerInput {
	in := WorkerInput{Snapshot: s, LRN: lrn, Plan: testPlan(), Now: now}
	for _, o := range opts {
		o(&in)
	}
	return in
}

func asLeader(in *WorkerInput) { in.Leader = true }

func withPlan(p *plan.Plan) func(*WorkerInput) { return func(in *WorkerInput) { in.Plan = p } }

// want builds the expected action with its report for the current update;
// a run's Done report counts the step finished.
func want(kind WorkerActionKind, stepIndex, reported int, cond model.Cond, name, reason string) WorkerAction {
	a := WorkerAction{Kind: kind, StepIndex: stepIndex, Reason: reason, Report: &model.WorkerStatus{
		ID: curID, Version: model.MustParseVersion(v10), Step: reported, StepName: name, Cond: cond, UpdatedAt: now,
	}}
	if kind == WorkerRun {
		done := *a.Report
		done.Step++
		a.Done = &done
	}
	return a
}

// completing is a run of the last step: its Done report completes.
func completing(a WorkerAction) WorkerAction {
	a.Done.StepName, a.Done.Cond = "", model.CondCompleted
	return a
}

// byUpdater sets the turns record the updater computes now from the
// snapshot's reports, at its barrier's step taken as a rolling step of
// maxUnavailable and soak; apply it after the reports.
func byUpdater(maxUnavailable int, soak time.Duration) snapOpt {
	return func(s *model.Snapshot) {
		t := turnsFor(participantsOf(*s), *s.Barrier, *turnOf(maxUnavailable, soak), now)
		s.Turns = &t
	}
}

// withTurns sets the stored turns record.
func withTurns(t model.Turns) snapOpt {
	return func(s *model.Snapshot) { s.Turns = &t }
}

// turnOf is what a waiting report says of its rolling step.
func turnOf(maxUnavailable int, soak time.Duration) *model.RollingTurn {
	return &model.RollingTurn{MaxUnavailable: maxUnavailable, Soak: model.Duration(soak)}
}

// waitingAt is a wait, at position pos, for the turns record to open the
// turn at the action's step; the report says the step's turn.
func waitingAt(pos int, turn *model.RollingTurn, a WorkerAction) WorkerAction {
	a.Wait = &Wait{Position: pos, ID: curID, Step: a.StepIndex}
	a.Report.Turn = turn
	return withMessage(a)
}

// reportsCanaried is a canary's report that it is done with the canary phase.
func reportsCanaried(a WorkerAction) WorkerAction {
	a.Report.Canaried = true
	return a
}

func withMessage(a WorkerAction) WorkerAction {
	a.Report.Message = a.Reason
	return a
}

func TestNextWorkerAction(t *testing.T) {
	running := func(opts ...snapOpt) model.Snapshot {
		return snap(append([]snapOpt{registered(0, 2, 10), withCurrent(v10, 0, 2, 10)}, opts...)...)
	}
	tests := []struct {
		name string
		in   WorkerInput
		want WorkerAction
		// step is the expected Step's kind and name ("" = no step).
		stepKind StepKind
	}{
		{name: "no update", in: workerIn(0, snap(registered(0))),
			want: WorkerAction{Kind: WorkerIdle, Reason: "no update yet"}},
		{name: "joined after the update started", in: workerIn(5, running(registered(5), withBarrier(curID, 0))),
			want: WorkerAction{Kind: WorkerIdle, Reason: "update 7 to 2026.11.23-10 does not include server 5; it takes part in the next one"}},
		{name: "update ended", in: workerIn(0, running(finished(model.ResultCompleted, ""))),
			want: WorkerAction{Kind: WorkerIdle, Reason: "update 7 to 2026.11.23-10 completed"}},
		{name: "stopped ended update stays idle", in: workerIn(0, running(stopped(), finished(model.ResultAborted, "x"))),
			want: WorkerAction{Kind: WorkerIdle, Reason: "update 7 to 2026.11.23-10 was aborted"}},
		{name: "stop requested", in: workerIn(0, running(withBarrier(curID, 3), stopped(), worker(0, 2, model.CondRunning))),
			want: WorkerAction{Kind: WorkerStop, Reason: "update 7 to 2026.11.23-10 was stopped"}},
		{name: "completed", in: workerIn(0, running(withBarrier(curID, 6), worker(0, 7, model.CondCompleted))),
			want: WorkerAction{Kind: WorkerIdle, Reason: "completed update 7 to 2026.11.23-10"}},
		{name: "reported aborted", in: workerIn(0, running(withBarrier(curID, 1), worker(0, 1, model.CondAborted))),
			want: WorkerAction{Kind: WorkerIdle, Reason: "reported aborted in update 7; the updater ends it"}},
		{name: "no barrier yet", in: workerIn(0, running()),
			want: WorkerAction{Kind: WorkerIdle, Reason: "waiting for the updater to open step 0 of update 7"}},
		{name: "barrier of another update", in: workerIn(0, running(withBarrier(curID-1, 4))),
			want: WorkerAction{Kind: WorkerIdle, Reason: "waiting for the updater to open step 0 of update 7"}},
		{name: "prepare without a plan", in: workerIn(0, running(withBarrier(curID, 0)), withPlan(nil)),
			want: want(WorkerRun, 0, 0, model.CondRunning, "prepare 2026.11.23-10", "prepare 2026.11.23-10"), stepKind: StepPrepare},
		{name: "an earlier update's report is ignored", in: workerIn(0, running(withBarrier(curID, 0), worker(0, 5, model.CondCompleted, forUpdate(curID-1)))),
			want: want(WorkerRun, 0, 0, model.CondRunning, "prepare 2026.11.23-10", "prepare 2026.11.23-10"), stepKind: StepPrepare},
		{name: "resume prepare after a crash", in: workerIn(0, running(withBarrier(curID, 0), worker(0, 0, model.CondRunning))),
			want: want(WorkerRun, 0, 0, model.CondRunning, "prepare 2026.11.23-10", "prepare 2026.11.23-10"), stepKind: StepPrepare},
		{name: "prepared, barrier closed", in: workerIn(0, running(withBarrier(curID, 0), worker(0, 1, model.CondRunning))),
			want: WorkerAction{Kind: WorkerIdle, Reason: "finished step 0 of update 7; waiting for the barrier"}},
		{name: "plan missing after prepare", in: workerIn(0, running(withBarrier(curID, 1), worker(0, 1, model.CondRunning)), withPlan(nil)),
			want: withMessage(want(WorkerAbort, 1, 1, model.CondAborted, "", "no plan of 2026.11.23-10 is installed on this server (was the site package removed?)"))},
		{name: "plan of another version", in: workerIn(0, running(withBarrier(curID, 1), worker(0, 1, model.CondRunning)),
			withPlan(testPlan(func(p *plan.Plan) { p.Version = model.MustParseVersion(v9) }))),
			want: withMessage(want(WorkerAbort, 1, 1, model.CondAborted, "", "the installed plan is 2026.11.23-9, the update is to 2026.11.23-10 (was the site package changed by hand?)"))},
		{name: "stop-all: stop", in: workerIn(10, running(withBarrier(curID, 2), worker(10, 2, model.CondRunning))),
			want: want(WorkerRun, 2, 2, model.CondRunning, "stop cke.service (stop-all)", "stop cke.service (stop-all)"), stepKind: StepStop},
		{name: "stop-all: start waits for the barrier", in: workerIn(10, running(withBarrier(curID, 2), worker(10, 3, model.CondRunning))),
			want: WorkerAction{Kind: WorkerIdle, Reason: "finished step 2 of update 7; waiting for the barrier"}},
		{name: "stop-all: start", in: workerIn(10, running(withBarrier(curID, 3), worker(10, 3, model.CondRunning))),
			want: want(WorkerRun, 3, 3, model.CondRunning, "start cke.service (stop-all)", "start cke.service (stop-all)"), stepKind: StepStart},
		{name: "anytime goes without turns", in: workerIn(10, running(withBarrier(curID, 4), worker(10, 4, model.CondRunning))),
			want: want(WorkerRun, 4, 4, model.CondRunning, "restart sabakan.service (anytime)", "restart sabakan.service (anytime)"), stepKind: StepRestart},
		// The canary phase: canary 0 of 0, 2, 10.
		{name: "canary phase: a canary prepares", in: workerIn(0, running(withCanaries(0), canaryBarrier(curID, 0)), withPlan(nil)),
			want: want(WorkerRun, 0, 0, model.CondRunning, "prepare 2026.11.23-10", "prepare 2026.11.23-10"), stepKind: StepPrepare},
		{name: "canary phase: the others do not even prepare", in: workerIn(2, running(withCanaries(0), canaryBarrier(curID, 0)), withPlan(nil)),
			want: WorkerAction{Kind: WorkerIdle, Reason: "waiting for canaries 0 to finish update 7 to 2026.11.23-10"}},
		{name: "canary phase: a rolling canary goes without waiting for the others", in: workerIn(0, running(withCanaries(0), canaryBarrier(curID, 1), worker(0, 1, model.CondRunning))),
			want: want(WorkerRun, 1, 1, model.CondRunning, "restart etcd.service (rolling)", "restart etcd.service (rolling)"), stepKind: StepRestart},
		{name: "canary phase: a canary at the once-steps says it is done", in: workerIn(0, running(withCanaries(0), canaryBarrier(curID, 4), worker(0, 5, model.CondRunning)), asLeader),
			want: withMessage(reportsCanaried(want(WorkerReport, 5, 5, model.CondRunning, "", "canary: finished update 7 to 2026.11.23-10 up to the once-steps; waiting for the other servers")))},
		{name: "canary phase: it never runs a once-step, even past the barrier", in: workerIn(0, running(withCanaries(0), canaryBarrier(curID, 5), worker(0, 5, model.CondRunning, hasCanaried())), asLeader),
			want: WorkerAction{Kind: WorkerIdle, Reason: "canary: finished update 7 to 2026.11.23-10 up to the once-steps; waiting for the other servers"}},
		{name: "after the canary phase the others prepare", in: workerIn(2, running(withCanaries(0), withBarrier(curID, 0), worker(0, 5, model.CondRunning, hasCanaried())), withPlan(nil)),
			want: want(WorkerRun, 0, 0, model.CondRunning, "prepare 2026.11.23-10", "prepare 2026.11.23-10"), stepKind: StepPrepare},
		{name: "after the canary phase a rolling server does not wait for the canary", in: workerIn(2, running(withCanaries(0), withBarrier(curID, 1), worker(0, 5, model.CondRunning, hasCanaried()), worker(2, 1, model.CondRunning), byUpdater(1, 0))),
			want: want(WorkerRun, 1, 1, model.CondRunning, "restart etcd.service (rolling)", "restart etcd.service (rolling)"), stepKind: StepRestart},
		{name: "after the canary phase the canary waits for the once-steps' barrier", in: workerIn(0, running(withCanaries(0), withBarrier(curID, 2), worker(0, 5, model.CondRunning, hasCanaried())), asLeader),
			want: WorkerAction{Kind: WorkerIdle, Reason: "finished step 4 of update 7; waiting for the barrier"}},
		{name: "after the canary phase the canary leader runs the once-step", in: workerIn(0, running(withCanaries(0), withBarrier(curID, 5), worker(0, 5, model.CondRunning, hasCanaried())), asLeader),
			want: want(WorkerRun, 5, 5, model.CondRunning, "once upload", "once upload"), stepKind: StepOnce},

		{name: "once: others skip", in: workerIn(2, running(withBarrier(curID, 5), worker(2, 5, model.CondRunning))),
			want: skipped(5, "once upload", "not the worker leader: once upload runs on the leader"), stepKind: StepOnce},
		{name: "once: leader runs", in: workerIn(2, running(withBarrier(curID, 5), worker(2, 5, model.CondRunning)), asLeader),
			want: want(WorkerRun, 5, 5, model.CondRunning, "once upload", "once upload"), stepKind: StepOnce},
		{name: "once: recorded for an older version runs", in: workerIn(2, running(withBarrier(curID, 5), worker(2, 5, model.CondRunning), withContent("upload", v9, true)), asLeader),
			want: want(WorkerRun, 5, 5, model.CondRunning, "once upload", "once upload"), stepKind: StepOnce},
		{name: "once: already ran for this version", in: workerIn(2, running(withBarrier(curID, 5), worker(2, 5, model.CondRunning), withContent("upload", v10, true)), asLeader),
			want: skipped(5, "once upload", "once upload already ran for 2026.11.23-10"), stepKind: StepOnce},
		{name: "once: irreversible started without success", in: workerIn(2, running(withBarrier(curID, 5), worker(2, 5, model.CondRunning), withContent("upload", v10, false)), asLeader),
			want: withMessage(want(WorkerAbort, 5, 5, model.CondAborted, "", "once upload was started for 2026.11.23-10 and did not record success; it is irreversible, so check by hand, then neco recover"))},
		{name: "once: reversible started without success runs again", in: workerIn(2, running(withBarrier(curID, 6), worker(2, 6, model.CondRunning), withContent("warm", v10, false)), asLeader),
			want: completing(want(WorkerRun, 6, 6, model.CondRunning, "once warm", "once warm")), stepKind: StepOnce},
		{name: "last step done: complete without a barrier", in: workerIn(2, running(withBarrier(curID, 6), worker(2, 7, model.CondRunning))),
			want: want(WorkerComplete, 7, 7, model.CondCompleted, "", "all 7 steps done")},
		{name: "plan without services completes after prepare", in: workerIn(2, running(withBarrier(curID, 0), worker(2, 1, model.CondRunning)),
			withPlan(&plan.Plan{Version: model.MustParseVersion(v10)})),
			want: want(WorkerComplete, 1, 1, model.CondCompleted, "", "all 1 steps done")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := NextWorkerAction(tt.in)
			var kind StepKind
			if got.Step != nil {
				kind = got.Step.Kind
			}
			if kind != tt.stepKind {
				t.Errorf("step kind %q, want %q", kind, tt.stepKind)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(WorkerAction{}, "Step")); diff != "" {
				t.Errorf("NextWorkerAction() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// skipped is a once-step finished without running: the report counts it.
func skipped(i int, name, reason string) WorkerAction {
	return want(WorkerSkip, i, i+1, model.CondRunning, name, reason)
}

func TestSteps(t *testing.T) {
	var got []string
	for _, s := range Steps(*testPlan()) {
		got = append(got, string(s.Kind)+": "+s.Name)
	}
	wantSteps := []string{
		"prepare: prepare 2026.11.23-10",
		"restart: restart etcd.service (rolling)",
		"stop: stop cke.service (stop-all)",
		"start: start cke.service (stop-all)",
		"restart: restart sabakan.service (anytime)",
		"once: once upload",
		"once: once warm",
	}
	if diff := cmp.Diff(wantSteps, got); diff != "" {
		t.Errorf("Steps() mismatch (-want +got):\n%s", diff)
	}
}

func TestLRNRanges(t *testing.T) {
	seq := func(from, to int) []int {
		var out []int
		for l := from; l <= to; l++ {
			out = append(out, l)
		}
		return out
	}
	for _, tt := range []struct {
		lrns []int
		want string
	}{
		{[]int{0}, "0"},
		{[]int{0, 2}, "0, 2"},
		{seq(0, 899), "0-899"},
		{append(seq(0, 3), 5, 7, 8), "0-3, 5, 7-8"},
		{[]int{0, 2, 4, 6, 7, 9, 11, 12, 13}, "0, 2, 4, 6-7 and 4 more"},
	} {
		if got := lrnRanges(tt.lrns, 4); got != tt.want {
			t.Errorf("lrnRanges(%v) = %q, want %q", tt.lrns, got, tt.want)
		}
	}
}
