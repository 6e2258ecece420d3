package decide

import (
	"maps"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/plan"
)

// FuzzNextWorkerAction decides for every server of the fuzzed snapshot (the
// updater's fuzz input; the installed plan is testPlan's, of one of the
// versions the input picks from) and checks what a worker relies on: a
// known action with a reason, no change to the input, and ReadsFor's
// contract: on this server's report alone NextWorkerAction decides as it would on
// every report, unless ReadsFor asks for them, and then it takes no step.
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
			own := ownReportOnly(in)
			alone := NextWorkerAction(own)
			if ReadsFor(own).Peers {
				if alone.Kind != WorkerIdle {
					t.Fatalf("server %d: on its own report, where a rolling turn needs every report, it decided %+v", lrn, alone)
				}
				continue
			}
			if diff := cmp.Diff(got, alone); diff != "" {
				t.Fatalf("server %d: ReadsFor asked for no peers, yet its own report decides otherwise (-every +own):\n%s", lrn, diff)
			}
		}
	})
}

// ownReportOnly is in as the worker reads it without the peers' reports.
func ownReportOnly(in WorkerInput) WorkerInput {
	s := in.Snapshot
	s.Workers = maps.Collect(func(yield func(int, model.WorkerStatus) bool) {
		if w, ok := in.Snapshot.Workers[in.LRN]; ok {
			yield(in.LRN, w)
		}
	})
	in.Snapshot, in.OwnReportOnly = s, true
	return in
}
