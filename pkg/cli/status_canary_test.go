package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/necoship/neco/pkg/decide"
	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/plan"
)

// TestStatusCanaryPhase: status names the canaries and whether the
// others have started.
func TestStatusCanaryPhase(t *testing.T) {
	u := model.Update{ID: 3, Version: model.MustParseVersion("2026.11.23-1"), Tag: "release-2026.11.23-1",
		Servers: []int{0, 1, 2}, Reason: model.ReasonUpdate, StartedAt: testNow, Canaries: []int{0}}
	for _, tt := range []struct {
		name      string
		barrier   *model.Barrier
		wantPhase string
		wantText  string
	}{
		{"before the first barrier", nil, phaseCanary, "canaries:        0: running the update first; the other servers have not started\n"},
		{"canary phase", &model.Barrier{ID: 3, Step: 2, Canary: true}, phaseCanary, "barrier:         step 2, canary phase\ncanaries:        0: running the update first"},
		{"after it", &model.Barrier{ID: 3, Step: 0}, phaseAll, "barrier:         step 0\ncanaries:        0: done first; the other servers follow\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			j := toStatusUpdate(model.Snapshot{Current: &u, Barrier: tt.barrier}, testNow)
			if diff := cmp.Diff([]int{0}, j.Canaries); diff != "" || j.Phase != tt.wantPhase {
				t.Errorf("canaries %v phase %q, want [0] %q", j.Canaries, j.Phase, tt.wantPhase)
			}
			var b strings.Builder
			writeUpdateText(&b, statusJSON{Update: j})
			if !strings.Contains(b.String(), tt.wantText) {
				t.Errorf("text lacks %q:\n%s", tt.wantText, b.String())
			}
		})
	}
}

// TestPlanTextCanaries: neco plan says who goes first and marks the steps
// of the canary phase.
func TestPlanTextCanaries(t *testing.T) {
	d := decide.DryRun{
		Target: model.Release{Tag: "release-2026.11.23-2", Version: model.MustParseVersion("2026.11.23-2")},
		Reason: model.ReasonUpdate, Servers: []int{0, 1, 2}, Canaries: []int{0}, CanarySoak: 10 * time.Minute,
		Steps: []decide.PlannedStep{
			{Number: 0, Kind: decide.StepPrepare, Name: "prepare 2026.11.23-2", Servers: []int{0}, Canary: true},
			{Number: 0, Kind: decide.StepPrepare, Name: "prepare 2026.11.23-2", Servers: []int{1, 2}},
		},
	}
	var b strings.Builder
	if err := writePlanText(&b, toPlanJSON(d, plan.Plan{})); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"canaries:        0 first; the others start 10m0s after them (canary-soak)\n",
		"  0     prepare 2026.11.23-2  canary phase: 0: each on its own, once the step's barrier opens\n",
		"  0     prepare 2026.11.23-2  1,2: each on its own, once the step's barrier opens\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("plan text lacks %q:\n%s", want, b.String())
		}
	}
}

// TestStatusAlertGate: status names the alerts that hold the rollout, or
// why Prometheus gave no answer.
func TestStatusAlertGate(t *testing.T) {
	for _, tt := range []struct {
		g    model.GateState
		want string
	}{
		{model.GateState{Firing: []string{"EtcdDown", "NodeNotReady"}, Since: testNow},
			"alert gate:      HOLDS since 2026-11-23 09:00:00 UTC: alerts firing: EtcdDown, NodeNotReady\n"},
		{model.GateState{Error: "connection refused", Since: testNow},
			"alert gate:      HOLDS since 2026-11-23 09:00:00 UTC: no answer from Prometheus: connection refused\n"},
		{model.GateState{Since: testNow}, "alert gate:      open since 2026-11-23 09:00:00 UTC\n"},
	} {
		j := buildStatus(statusInput{snap: model.Snapshot{Gate: &tt.g}, now: testNow})
		var b strings.Builder
		writeClusterText(&b, j)
		if !strings.Contains(b.String(), tt.want) {
			t.Errorf("status lacks %q:\n%s", tt.want, b.String())
		}
		if j.AlertGate.Open != tt.g.Open() {
			t.Errorf("alert_gate.open = %v for %+v", j.AlertGate.Open, tt.g)
		}
	}
}
