package decide

import (
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/plan"
)

// FuzzNextWorkerAction decides for every server of the fuzzed snapshot (the
// updater's fuzz input; the installed plan is testPlan's, of one of the
// versions the input picks from) and checks what a worker relies on: a
// known action with a reason, no change to the input, and that the
// decision reads no other server's report: on its own report alone it
// decides the same. Then it checks the rolling turns: the record the
// updater computes from the reports opens exactly the turns the reports
// did (checkTurnsAgainstReports), for a max-unavailable and soak the input
// picks.
func FuzzNextWorkerAction(f *testing.F) {
	configs := fuzzConfigs(f)
	kinds := []WorkerActionKind{WorkerIdle, WorkerWait, WorkerStop, WorkerRun, WorkerSkip, WorkerComplete, WorkerAbort, WorkerReport}
	f.Fuzz(func(t *testing.T, data []byte, leader bool, rollingOnly bool) {
		u := fuzzInput(data, configs)
		p := testPlan()
		if rollingOnly {
			p = testPlan(func(p *plan.Plan) { p.Services, p.Once = p.Services[:1], nil })
		}
		for _, lrn := range []int{0, 1, 2, 10} {
			in := WorkerInput{Snapshot: u.Snapshot, LRN: lrn, Leader: leader, Plan: p, Now: u.Now, Gate: gateOn(u.Config)}
			pristine := fuzzInput(data, configs).Snapshot
			got := NextWorkerAction(in)
			if !slices.Contains(kinds, got.Kind) || got.Reason == "" {
				t.Fatalf("server %d: kind %q, reason %q", lrn, got.Kind, got.Reason)
			}
			if diff := cmp.Diff(pristine, in.Snapshot); diff != "" {
				t.Fatalf("server %d: snapshot changed (-before +after):\n%s", lrn, diff)
			}
			if diff := cmp.Diff(got, NextWorkerAction(ownReportOnly(in))); diff != "" {
				t.Fatalf("server %d: on its own report alone it decides otherwise (-every +own):\n%s", lrn, diff)
			}
			if got.Kind == WorkerWait && (got.Report.Turn == nil || got.Report.Turn.Validate() != nil) {
				t.Fatalf("server %d waits without telling the updater the step's turn: %+v", lrn, got.Report)
			}
		}
		svc := fuzzRolling(data)
		for _, stale := range [][]int{nil, {0, 2, 4, 6}, {1, 3, 5, 7}} {
			checkTurnsAgainstReports(t, u.Snapshot, svc, u.Now, stale)
		}
	})
}

// fuzzRolling picks a rolling service from the input's last byte: max-
// unavailable 1 to 3, soak 0, 2m or 4m (reports are minutes apart).
func fuzzRolling(data []byte) plan.Service {
	v := 0
	if len(data) > 0 {
		v = int(data[len(data)-1])
	}
	return plan.Service{Unit: "r.service", Strategy: plan.StrategyRolling, MaxUnavailable: 1 + v%3,
		Soak: plan.Duration{Duration: time.Duration(v/3%3) * 2 * time.Minute}}
}

// ownReportOnly is in as the worker reads it: its own report, no other.
func ownReportOnly(in WorkerInput) WorkerInput {
	s := in.Snapshot
	s.Workers = maps.Collect(func(yield func(int, model.WorkerStatus) bool) {
		if w, ok := in.Snapshot.Workers[in.LRN]; ok {
			yield(in.LRN, w)
		}
	})
	in.Snapshot = s
	return in
}
