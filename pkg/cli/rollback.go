package cli

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/necoship/neco/pkg/decide"
	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/storage"
)

func newRollbackCommand(env Env, cf *clusterFlags) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "rollback VERSION",
		Short: "Take the site back to an older release it ran before",
		Long: `Ask the updater leader to take every registered boot server back to
VERSION, an older release that completed on this site (see neco history).
The rollback is an update like any other (reason rollback): the same
steps, barriers and plan order, with the plan of VERSION; only a rollback
lets dpkg install an older package. It needs no approval and does not
wait for the release window: an operator asked for it.

The current update must have ended: completed, aborted or timed out
(a rollback is how a bad update is left; no "neco recover" first). To
leave a running update, "neco update abort" it first.

Every version the site ran after VERSION, the one it leaves included, is
held (policy/holds/), so the next release check does not take it again;
a newer release is still taken. "neco unhold" releases a hold.

A once-step marked irreversible (a migration) that began for any version
newer than VERSION refuses the rollback, naming each step: going back does
not undo what it changed. --force rolls back anyway.

The command records the request (request/rollback) and returns; follow it
with "neco status --watch". A rollback that fails stops like any update;
"neco recover" then retries the rollback.`,
		Example: `  neco history              # the versions this site completed
  neco rollback 2026.11.23-1
  neco status --watch`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return cf.explain(runRollback(cmd, env, cf, args[0], force))
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "roll back past irreversible once-steps of newer versions")
	return cmd
}

func runRollback(cmd *cobra.Command, env Env, cf *clusterFlags, arg string, force bool) error {
	v, err := model.ParseVersion(arg)
	if err != nil {
		return err
	}
	ctx, store, done, err := cf.open(cmd, env, true)
	if err != nil {
		return err
	}
	defer done()
	snap, err := readCurrent(ctx, store, "rollback")
	if err != nil {
		return err
	}
	history, _, err := store.ListHistory(ctx)
	if err != nil {
		return fmt.Errorf("rollback: %w", err)
	}
	runs, invalid, err := store.IrreversibleRuns(ctx)
	if err != nil {
		return fmt.Errorf("rollback: %w", err)
	}
	if len(invalid) > 0 && !force {
		// A record that does not decode may be a migration: unknown is
		// not "none".
		return fmt.Errorf("rollback: irreversible records do not decode: %w (fix them, or --force)", errors.Join(keyErrors(invalid)...))
	}
	p, err := decide.PlanRollback(decide.RollbackInput{
		Snapshot: snap, History: history, Irreversible: runs, Target: v, Force: force,
		By: operator(env), Now: env.Now().UTC().Truncate(time.Second),
	})
	var irr *decide.IrreversibleError
	if errors.As(err, &irr) {
		return fmt.Errorf("%w; roll back anyway with --force", err)
	}
	if err != nil {
		return err
	}
	err = store.RequestRollback(ctx, snap.Revision, p.Request, p.Holds)
	if errors.Is(err, storage.ErrConflict) {
		return errors.New(`the site changed while the rollback was checked (an update started, a pin or another rollback); check "neco status" and try again`)
	}
	if err != nil {
		return err
	}
	printRollback(env, p)
	return nil
}

func printRollback(env Env, p decide.RollbackPlan) {
	r := p.Request
	fmt.Fprintf(env.Stdout, "rollback from %s to %s requested; the updater leader starts it (neco status --watch)\n", r.From, r.Version)
	for _, h := range p.Holds {
		fmt.Fprintf(env.Stdout, "held %[1]s: not taken again by itself (neco unhold %[1]s)\n", h.Version)
	}
	if len(r.Forced) > 0 {
		fmt.Fprintf(env.Stdout, "forced past irreversible once-steps, not undone: %s\n", decide.ListRuns(r.Forced))
	}
}

func keyErrors(keys []model.InvalidKey) []error {
	errs := make([]error, len(keys))
	for i, k := range keys {
		errs[i] = k
	}
	return errs
}
