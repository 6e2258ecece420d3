package op

import (
	"context"
	"errors"
	"fmt"

	"github.com/necoship/neco/pkg/plan"
)

// ErrNotLeader is returned by a once-step op built for a worker that does
// not lead: only the worker leader may run once-steps.
var ErrNotLeader = errors.New("op: not the worker leader")

// Once runs a once-step on the worker leader: contents/<name> is recorded
// as started before the command runs and as successful after, both fenced
// on the leader's key, so a deposed leader can neither run nor record it.
// decide.NextWorkerAction already chose to run it (never recorded, or recorded
// unfinished and reversible); StartContent refuses if another leader
// finished it in between.
func Once(o plan.OnceStep, t Target, inf Infra) Op {
	v := t.Update.Version
	argv := o.Argv(v)
	q := &queue{name: "once " + o.Name}
	q.then(
		Command{Name: fmt.Sprintf("record %s as started for %s", o.Name, v), Run: func(ctx context.Context) error {
			if t.LeaderKey == "" {
				return ErrNotLeader
			}
			return inf.Records.StartContent(ctx, t.LeaderKey, o.Name, v, o.Irreversible)
		}},
		Command{Name: fmt.Sprintf("run %s: %q", o.Name, argv), Run: func(ctx context.Context) error {
			err := inf.Commands.Run(ctx, argv)
			if err != nil && o.Irreversible {
				// Its record stays "started": decide aborts instead of
				// running it again, and an operator looks.
				return Permanent(err)
			}
			return err
		}},
		Command{Name: fmt.Sprintf("record %s as done for %s", o.Name, v), Run: func(ctx context.Context) error {
			return inf.Records.FinishContent(ctx, t.LeaderKey, o.Name, v)
		}},
	)
	return q
}
