package decide

import (
	"fmt"

	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/plan"
)

// StepKind says what a step of an update does on a server.
type StepKind string

// The step kinds; docs/worker.md describes each.
const (
	// StepPrepare installs the release: site package, self-update, debs,
	// images. Always step 0, before the plan is known.
	StepPrepare StepKind = "prepare"
	// StepRestart restarts a unit (anytime and rolling services).
	StepRestart StepKind = "restart"
	// StepStop and StepStart are the two halves of a stop-all service.
	StepStop  StepKind = "stop"
	StepStart StepKind = "start"
	// StepOnce runs a once-step on the worker leader.
	StepOnce StepKind = "once"
)

// Step is one barrier-separated step of an update. Every worker derives the
// same list from the same plan, so a step number means one thing on every
// server.
type Step struct {
	Kind StepKind
	// Service is the plan's service for restart, stop and start steps.
	Service *plan.Service
	// Once is the plan's once-step for once steps.
	Once *plan.OnceStep
	// Name is what `neco status` shows while the step runs.
	Name string
}

// prepareStep is step 0 of an update to v; the worker enters it before it
// has the plan, so it is built from the version alone.
func prepareStep(v model.Version) Step {
	return Step{Kind: StepPrepare, Name: fmt.Sprintf("prepare %s", v)}
}

// Steps lists the steps of an update to p: prepare, then each service in
// plan order (stop-all as stop, then start), then each once-step.
func Steps(p plan.Plan) []Step {
	steps := []Step{prepareStep(p.Version)}
	for i := range p.Services {
		svc := &p.Services[i]
		switch svc.Strategy {
		case plan.StrategyStopAll:
			steps = append(steps,
				Step{Kind: StepStop, Service: svc, Name: "stop " + svc.Unit + " (stop-all)"},
				Step{Kind: StepStart, Service: svc, Name: "start " + svc.Unit + " (stop-all)"})
		default:
			steps = append(steps, Step{Kind: StepRestart, Service: svc,
				Name: fmt.Sprintf("restart %s (%s)", svc.Unit, svc.Strategy)})
		}
	}
	for i := range p.Once {
		o := &p.Once[i]
		steps = append(steps, Step{Kind: StepOnce, Once: o, Name: "once " + o.Name})
	}
	return steps
}
