package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/storage"
)

func newRecoverCommand(env Env, cf *clusterFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "recover",
		Short: "Clear the stop of an aborted or timed-out update so that updates resume",
		Long: `An aborted or timed-out update leaves "stop" set on status/current, and
nothing starts until an operator has looked at it. "neco recover" clears
stop (a compare-and-swap: it refuses if status/current changed meanwhile).

The updater then retries the same release (reason update, on the servers
registered now), or takes a newer release if one qualifies; see
docs/decide.md. When stop was set by "neco update abort" and the updater
has not recorded the abort yet, clearing it lets the update run on.
Recovering an update that is not stopped changes nothing.`,
		Example: `  neco status     # read why it stopped first
  neco recover`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cf.explain(runRecover(cmd, env, cf))
		},
	}
}

func runRecover(cmd *cobra.Command, env Env, cf *clusterFlags) error {
	ctx, store, done, err := cf.open(cmd, env, true)
	if err != nil {
		return err
	}
	defer done()
	snap, err := readCurrent(ctx, store, "recover")
	if err != nil {
		return err
	}
	if snap.Current == nil {
		return errors.New("no update to recover")
	}
	if !snap.Current.Stop {
		fmt.Fprintf(env.Stdout, "update %d is not stopped; nothing to recover\n", snap.Current.ID)
		return nil
	}
	u, err := store.Recover(ctx, operatorAct(env, model.ActRecover))
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return errors.New("no update to recover")
	case errors.Is(err, storage.ErrConflict):
		return errors.New(`status/current changed while recovering; check "neco status" and try again`)
	case err != nil:
		return err
	}
	if snap.Finished == nil {
		fmt.Fprintf(env.Stdout, "update %d to %s: stop cleared before the updater recorded the abort; the update runs on\n",
			u.ID, u.Version)
		return nil
	}
	fmt.Fprintf(env.Stdout, "update %d to %s: stop cleared; the updater retries it\n", u.ID, u.Version)
	return nil
}

// readCurrent reads the snapshot that recover, abort and rollback act on,
// refusing one whose status/current does not decode: each would act on
// what an operator should look at first.
func readCurrent(ctx context.Context, store *storage.Storage, what string) (model.Snapshot, error) {
	snap, err := store.Snapshot(ctx)
	if err != nil {
		return model.Snapshot{}, fmt.Errorf("%s: %w", what, err)
	}
	return snap, invalidKeyError(snap, store.StatusCurrentKey())
}

// invalidKeyError refuses to act on a key whose stored value is garbage:
// the snapshot leaves it out, and "nothing there" would be a lie.
func invalidKeyError(snap model.Snapshot, key string) error {
	for _, k := range snap.Invalid {
		if k.Key == key {
			return fmt.Errorf("%w (write a good value or delete it with etcdctl)", k)
		}
	}
	return nil
}
