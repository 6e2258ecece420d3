package op

import (
	"context"
	"fmt"

	"github.com/necoship/neco/pkg/plan"
)

// Restart restarts svc's unit and, when the plan has a health check, waits
// for it to pass: for a rolling service the next server's turn comes only
// after that.
func Restart(svc plan.Service, inf Infra) Op {
	q := &queue{name: "restart " + svc.Unit}
	q.then(Command{Name: "restart " + svc.Unit, Run: func(ctx context.Context) error { return inf.Units.Restart(ctx, svc.Unit) }})
	q.then(healthCheck(svc, inf)...)
	return q
}

// Stop stops svc's unit: the first half of a stop-all service.
func Stop(svc plan.Service, inf Infra) Op {
	q := &queue{name: "stop " + svc.Unit}
	q.then(Command{Name: "stop " + svc.Unit, Run: func(ctx context.Context) error { return inf.Units.Stop(ctx, svc.Unit) }})
	return q
}

// Start starts svc's unit and checks its health: the second half of a
// stop-all service.
func Start(svc plan.Service, inf Infra) Op {
	q := &queue{name: "start " + svc.Unit}
	q.then(Command{Name: "start " + svc.Unit, Run: func(ctx context.Context) error { return inf.Units.Start(ctx, svc.Unit) }})
	q.then(healthCheck(svc, inf)...)
	return q
}

func healthCheck(svc plan.Service, inf Infra) []Command {
	if svc.Health == nil {
		return nil
	}
	h := *svc.Health
	what := h.HTTP
	if what == "" {
		what = fmt.Sprint(h.Exec)
	}
	return []Command{{Name: fmt.Sprintf("check %s health (%s)", svc.Unit, what), Run: func(ctx context.Context) error {
		return inf.Units.Check(ctx, h)
	}}}
}
