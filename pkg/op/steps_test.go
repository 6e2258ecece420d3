package op

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/necoship/neco/pkg/decide"
	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/plan"
)

func TestStepOps(t *testing.T) {
	errFail := errors.New("boom")
	healthy := &plan.Health{HTTP: "http://127.0.0.1:1/health", Timeout: plan.Duration{Duration: time.Minute}}
	svc := func(unit string, s plan.Strategy, h *plan.Health) *plan.Service {
		return &plan.Service{Unit: unit, Strategy: s, Health: h, Timeout: plan.Duration{Duration: 5 * time.Minute}}
	}
	once := func(irreversible bool) *plan.OnceStep {
		return &plan.OnceStep{Name: "upload", Exec: []string{"/bin/up", plan.VersionToken}, Irreversible: irreversible,
			Timeout: plan.Duration{Duration: 10 * time.Minute}}
	}
	leader := target(model.ReasonUpdate)
	leader.LeaderKey = "/neco/leader/worker/abc"
	tests := []struct {
		name        string
		step        decide.Step
		target      Target
		unitErr     map[string]error
		runErr      error
		want        []string
		wantTimeout time.Duration
		err         error
		perm        bool
	}{
		{name: "restart with health", step: decide.Step{Kind: decide.StepRestart, Service: svc("etcd.service", plan.StrategyRolling, healthy)},
			want: []string{"restart etcd.service", "check http://127.0.0.1:1/health"}, wantTimeout: 5 * time.Minute},
		{name: "restart fails: no health check", step: decide.Step{Kind: decide.StepRestart, Service: svc("etcd.service", plan.StrategyAnytime, healthy)},
			unitErr: map[string]error{"restart etcd.service": errFail}, want: []string{"restart etcd.service"}, err: errFail},
		{name: "unhealthy", step: decide.Step{Kind: decide.StepRestart, Service: svc("etcd.service", plan.StrategyRolling, healthy)},
			unitErr: map[string]error{"check http://127.0.0.1:1/health": errFail},
			want:    []string{"restart etcd.service", "check http://127.0.0.1:1/health"}, err: errFail},
		{name: "restart without health", step: decide.Step{Kind: decide.StepRestart, Service: svc("a.service", plan.StrategyAnytime, nil)},
			want: []string{"restart a.service"}, wantTimeout: 5 * time.Minute},
		{name: "stop", step: decide.Step{Kind: decide.StepStop, Service: svc("cke.service", plan.StrategyStopAll, healthy)},
			want: []string{"stop cke.service"}, wantTimeout: 5 * time.Minute},
		{name: "start checks health", step: decide.Step{Kind: decide.StepStart, Service: svc("cke.service", plan.StrategyStopAll, healthy)},
			want: []string{"start cke.service", "check http://127.0.0.1:1/health"}, wantTimeout: 5 * time.Minute},
		{name: "once on the leader", step: decide.Step{Kind: decide.StepOnce, Once: once(false)}, target: leader,
			want: []string{"start content upload 2026.11.23-2 as /neco/leader/worker/abc", "run /bin/up 2026.11.23-2",
				"finish content upload 2026.11.23-2 as /neco/leader/worker/abc"}, wantTimeout: 10 * time.Minute},
		{name: "once not on the leader", step: decide.Step{Kind: decide.StepOnce, Once: once(false)}, err: ErrNotLeader,
			wantTimeout: 10 * time.Minute},
		{name: "irreversible once on the leader is recorded for good", step: decide.Step{Kind: decide.StepOnce, Once: once(true)}, target: leader,
			want: []string{"start irreversible content upload 2026.11.23-2 as /neco/leader/worker/abc", "run /bin/up 2026.11.23-2",
				"finish content upload 2026.11.23-2 as /neco/leader/worker/abc"}, wantTimeout: 10 * time.Minute},
		{name: "irreversible once fails: permanent, not recorded done", step: decide.Step{Kind: decide.StepOnce, Once: once(true)},
			target: leader, runErr: errFail, err: errFail, perm: true,
			want: []string{"start irreversible content upload 2026.11.23-2 as /neco/leader/worker/abc", "run /bin/up 2026.11.23-2"}},
		{name: "reversible once fails: retryable", step: decide.Step{Kind: decide.StepOnce, Once: once(false)},
			target: leader, runErr: errFail, err: errFail,
			want: []string{"start content upload 2026.11.23-2 as /neco/leader/worker/abc", "run /bin/up 2026.11.23-2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &calls{}
			inf := newInfra(t, c, fixturePlan())
			inf.Units.(*fakeUnits).err = tt.unitErr
			inf.Commands.(*fakeCommands).run = func([]string) error { return tt.runErr }
			tgt := tt.target
			if tgt.Update.ID == 0 {
				tgt = target(model.ReasonUpdate)
			}
			o, timeout, err := ForStep(tt.step, tgt, inf, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantTimeout != 0 && timeout != tt.wantTimeout {
				t.Errorf("timeout = %s, want %s", timeout, tt.wantTimeout)
			}
			err = Run(context.Background(), o, nil)
			if (tt.err == nil && err != nil) || !errors.Is(err, tt.err) || IsPermanent(err) != tt.perm {
				t.Errorf("err = %v (permanent %t), want %v (permanent %t)", err, IsPermanent(err), tt.err, tt.perm)
			}
			if diff := cmp.Diff(tt.want, c.log); diff != "" {
				t.Errorf("calls (-want +got)\n%s", diff)
			}
		})
	}
}

func TestForStepUnknown(t *testing.T) {
	if _, _, err := ForStep(decide.Step{Kind: decide.StepRestart, Name: "restart ?"}, Target{}, Infra{}, time.Hour); err == nil {
		t.Fatal("a restart step without a service got an op")
	}
}

func TestRunStopsBetweenCommands(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var ran []string
	q := &queue{name: "two"}
	q.then(
		Command{Name: "first", Run: func(context.Context) error { ran = append(ran, "first"); cancel(); return nil }},
		Command{Name: "second", Run: func(context.Context) error { ran = append(ran, "second"); return nil }},
	)
	var seen []string
	err := Run(ctx, q, func(c Command) { seen = append(seen, c.Name) })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if diff := cmp.Diff([]string{"first"}, ran); diff != "" {
		t.Errorf("ran (-want +got)\n%s", diff)
	}
	if diff := cmp.Diff([]string{"first"}, seen); diff != "" {
		t.Errorf("before saw (-want +got)\n%s", diff)
	}
}
