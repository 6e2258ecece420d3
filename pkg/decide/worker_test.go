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

// peersNext is a run whose next step is a rolling turn.
func peersNext(a WorkerAction) WorkerAction {
	a.Next.Peers = true
	return a
}

// waitingOn is a rolling wait on server lrn's report at the action's step.
func waitingOn(lrn int, a WorkerAction) WorkerAction {
	a.Wait = &Wait{LRN: lrn, ID: curID, Step: a.StepIndex}
	a.Next.Peers = true
	return withMessage(a)
}

// soakingUntil is a rolling wait for a soak to end at until.
func soakingUntil(until time.Time, a WorkerAction) WorkerAction {
	a.Wait = &Wait{LRN: -1, Until: until, ID: curID, Step: a.StepIndex}
	a.Next.Peers = true
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
	soakEnd := now.Add(4 * time.Minute) // worker() reports a minute ago; the soak is 5m
	ownReportOnly := func(in *WorkerInput) { in.OwnReportOnly = true }
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
		{name: "rolling: first server goes", in: workerIn(0, running(withBarrier(curID, 1), worker(0, 1, model.CondRunning), worker(2, 1, model.CondRunning))),
			want: want(WorkerRun, 1, 1, model.CondRunning, "restart etcd.service (rolling)", "restart etcd.service (rolling)"), stepKind: StepRestart},
		{name: "rolling: second waits for the first", in: workerIn(2, running(withBarrier(curID, 1), worker(0, 1, model.CondRunning), worker(2, 1, model.CondRunning))),
			want: waitingOn(0, want(WorkerWait, 1, 1, model.CondRunning, "restart etcd.service (rolling)", "waiting for servers 0 to finish restart etcd.service (rolling)"))},
		{name: "rolling: numeric order, 10 waits for 0 and 2", in: workerIn(10, running(withBarrier(curID, 1), worker(10, 1, model.CondRunning))),
			want: waitingOn(2, want(WorkerWait, 1, 1, model.CondRunning, "restart etcd.service (rolling)", "waiting for servers 0, 2 to finish restart etcd.service (rolling)"))},
		{name: "rolling: turn comes when the one ahead finished", in: workerIn(2, running(withBarrier(curID, 1), worker(0, 2, model.CondRunning), worker(2, 1, model.CondRunning))),
			want: want(WorkerRun, 1, 1, model.CondRunning, "restart etcd.service (rolling)", "restart etcd.service (rolling)"), stepKind: StepRestart},
		{name: "rolling: a completed server counts as finished", in: workerIn(2, running(withBarrier(curID, 1), worker(0, 7, model.CondCompleted), worker(2, 1, model.CondRunning))),
			want: want(WorkerRun, 1, 1, model.CondRunning, "restart etcd.service (rolling)", "restart etcd.service (rolling)"), stepKind: StepRestart},
		{name: "rolling soak: the next server waits for the restart to soak", in: workerIn(2, running(withBarrier(curID, 1), worker(0, 2, model.CondRunning), worker(2, 1, model.CondRunning)), withPlan(testPlan(soak(5*time.Minute)))),
			want: soakingUntil(soakEnd, want(WorkerWait, 1, 1, model.CondRunning, "restart etcd.service (rolling)", "waiting for server 0's restart etcd.service (rolling) to soak until 02:14:00 UTC"))},
		{name: "rolling soak: soaked long enough, the turn comes", in: workerIn(2, running(withBarrier(curID, 1), worker(0, 2, model.CondRunning, reportedAt(now.Add(-5*time.Minute))), worker(2, 1, model.CondRunning)), withPlan(testPlan(soak(5*time.Minute)))),
			want: want(WorkerRun, 1, 1, model.CondRunning, "restart etcd.service (rolling)", "restart etcd.service (rolling)"), stepKind: StepRestart},
		{name: "rolling soak: counted from the latest restart ahead", in: workerIn(10, running(withBarrier(curID, 1), worker(0, 2, model.CondRunning, reportedAt(now.Add(-time.Hour))), worker(2, 2, model.CondRunning), worker(10, 1, model.CondRunning)), withPlan(testPlan(soak(5*time.Minute)))),
			want: soakingUntil(soakEnd, want(WorkerWait, 1, 1, model.CondRunning, "restart etcd.service (rolling)", "waiting for server 2's restart etcd.service (rolling) to soak until 02:14:00 UTC"))},
		{name: "rolling soak: a completed server ahead soaks too", in: workerIn(2, running(withBarrier(curID, 1), worker(0, 7, model.CondCompleted), worker(2, 1, model.CondRunning)), withPlan(testPlan(soak(5*time.Minute)))),
			want: soakingUntil(soakEnd, want(WorkerWait, 1, 1, model.CondRunning, "restart etcd.service (rolling)", "waiting for server 0's restart etcd.service (rolling) to soak until 02:14:00 UTC"))},
		{name: "rolling soak: the first server does not wait", in: workerIn(0, running(withBarrier(curID, 1), worker(0, 1, model.CondRunning)), withPlan(testPlan(soak(5*time.Minute)))),
			want: want(WorkerRun, 1, 1, model.CondRunning, "restart etcd.service (rolling)", "restart etcd.service (rolling)"), stepKind: StepRestart},
		{name: "rolling soak, max-unavailable 2: second goes with the first", in: workerIn(2, running(withBarrier(curID, 1), worker(0, 2, model.CondRunning), worker(2, 1, model.CondRunning)), withPlan(testPlan(soak(5*time.Minute), maxUnavailable(2)))),
			want: want(WorkerRun, 1, 1, model.CondRunning, "restart etcd.service (rolling)", "restart etcd.service (rolling)"), stepKind: StepRestart},
		{name: "rolling, max-unavailable 2: second goes with the first", in: workerIn(2, running(withBarrier(curID, 1), worker(2, 1, model.CondRunning)), withPlan(testPlan(maxUnavailable(2)))),
			want: want(WorkerRun, 1, 1, model.CondRunning, "restart etcd.service (rolling)", "restart etcd.service (rolling)"), stepKind: StepRestart},
		{name: "rolling, max-unavailable 2: third waits for the first only", in: workerIn(10, running(withBarrier(curID, 1), worker(2, 1, model.CondRunning), worker(10, 1, model.CondRunning)), withPlan(testPlan(maxUnavailable(2)))),
			want: waitingOn(0, want(WorkerWait, 1, 1, model.CondRunning, "restart etcd.service (rolling)", "waiting for servers 0 to finish restart etcd.service (rolling)"))},
		{name: "rolling, own report only (against ReadsFor): no turn taken", in: workerIn(2, running(withBarrier(curID, 1), worker(2, 1, model.CondRunning)), ownReportOnly),
			want: idle("restart etcd.service (rolling) needs every server's report; deciding again on them")},
		{name: "own report only is enough past the rolling step", in: workerIn(2, running(withBarrier(curID, 2), worker(2, 2, model.CondRunning)), ownReportOnly),
			want: want(WorkerRun, 2, 2, model.CondRunning, "stop cke.service (stop-all)", "stop cke.service (stop-all)"), stepKind: StepStop},
		{name: "a run before a rolling step asks for the peers' reports next", in: workerIn(10, running(withBarrier(curID, 1), worker(10, 1, model.CondRunning)),
			withPlan(testPlan(func(p *plan.Plan) { p.Services = []plan.Service{p.Services[2], p.Services[0], p.Services[1]} }))),
			want: peersNext(want(WorkerRun, 1, 1, model.CondRunning, "restart sabakan.service (anytime)", "restart sabakan.service (anytime)")), stepKind: StepRestart},
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
		{name: "after the canary phase a rolling server does not wait for the canary", in: workerIn(2, running(withCanaries(0), withBarrier(curID, 1), worker(0, 5, model.CondRunning, hasCanaried()), worker(2, 1, model.CondRunning))),
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

func TestWaitOver(t *testing.T) {
	w := Wait{LRN: 2, ID: curID, Step: 1}
	report := func(id int64, step int, cond model.Cond) *model.WorkerStatus {
		return &model.WorkerStatus{ID: id, Step: step, Cond: cond}
	}
	for _, tt := range []struct {
		name   string
		report *model.WorkerStatus
		want   bool
	}{
		{"waiting for its own turn, or running the step", report(curID, 1, model.CondRunning), false},
		{"finished the step", report(curID, 2, model.CondRunning), true},
		{"completed", report(curID, 7, model.CondCompleted), true},
		{"aborted", report(curID, 1, model.CondAborted), true},
		{"timed out", report(curID, 1, model.CondTimedOut), true},
		{"reports another update", report(curID+1, 0, model.CondRunning), true},
		{"deleted or undecodable", nil, true},
	} {
		if got := w.Over(tt.report); got != tt.want {
			t.Errorf("%s: Over = %v, want %v", tt.name, got, tt.want)
		}
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

// TestReadsFor: a worker's own report tells whether its decision needs
// the others': only when it may enter a rolling turn now.
func TestReadsFor(t *testing.T) {
	running := func(opts ...snapOpt) model.Snapshot {
		return snap(append([]snapOpt{registered(0, 2), withCurrent(v10, 0, 2)}, opts...)...)
	}
	for _, tt := range []struct {
		name string
		s    model.Snapshot
		want bool
	}{
		{"no update", snap(registered(0)), false},
		{"prepare", running(withBarrier(curID, 0)), false},
		{"at the rolling step, its barrier open", running(withBarrier(curID, 1), worker(2, 1, model.CondRunning)), true},
		{"at the rolling step, its barrier not open yet", running(withBarrier(curID, 0), worker(2, 1, model.CondRunning)), false},
		{"at the rolling step, paused", running(withBarrier(curID, 1), worker(2, 1, model.CondRunning), pausedBy("")), false},
		{"past it", running(withBarrier(curID, 2), worker(2, 2, model.CondRunning)), false},
		{"stopped", running(withBarrier(curID, 1), worker(2, 1, model.CondRunning), stopped()), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := ownReportOnly(workerIn(2, tt.s))
			if got := ReadsFor(in).Peers; got != tt.want {
				t.Errorf("ReadsFor().Peers = %v, want %v", got, tt.want)
			}
		})
	}
}
