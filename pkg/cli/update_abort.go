package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/storage"
)

func newUpdateAbortCommand(env Env, cf *clusterFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "abort",
		Short: "Stop the running update on every boot server",
		Long: `Set "stop" on the running update (status/current). Every worker stops its
current step, and the updater leader records the update as aborted in its
history. Nothing starts afterwards until "neco recover" clears stop; the
updater then retries the release (or takes a newer one).

Aborting an update that is already stopped changes nothing; an update that
has already ended cannot be aborted.`,
		Example: `  neco update abort
  neco recover        # later, to let updates resume`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cf.explain(runUpdateAbort(cmd, env, cf))
		},
	}
}

func runUpdateAbort(cmd *cobra.Command, env Env, cf *clusterFlags) error {
	ctx, store, done, err := cf.open(cmd, env, true)
	if err != nil {
		return err
	}
	defer done()
	snap, err := readCurrent(ctx, store, "abort")
	if err != nil {
		return err
	}
	if msg, ok := alreadyStopped(snap); ok {
		fmt.Fprintln(env.Stdout, msg)
		return nil
	}
	u, err := store.AbortUpdate(ctx, operatorAct(env, model.ActAbort))
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return errors.New("no update to abort")
	case errors.Is(err, storage.ErrConflict):
		return abortConflict(ctx, store)
	case err != nil:
		return err
	}
	fmt.Fprintf(env.Stdout, "update %d to %s: stop set; workers stop their current step and the updater "+
		"records it as aborted; run \"neco recover\" to retry\n", u.ID, u.Version)
	return nil
}

// abortConflict tells an update that already ended from one that changed
// while aborting; both come back from storage as ErrConflict.
func abortConflict(ctx context.Context, store *storage.Storage) error {
	snap, err := store.Snapshot(ctx)
	if err != nil {
		return fmt.Errorf("abort: status/current changed; reading it again: %w", err)
	}
	if f := snap.Finished; f != nil {
		return fmt.Errorf("update %d to %s already ended: %s at %s; nothing to abort",
			f.ID, f.Version, f.Result, formatTime(f.FinishedAt))
	}
	return errors.New(`status/current changed while aborting; check "neco status" and try again`)
}

// alreadyStopped reports an update whose stop is set already, which abort
// leaves as it is (exit 0: the operator's intent holds).
func alreadyStopped(snap model.Snapshot) (string, bool) {
	u := snap.Current
	switch {
	case u == nil || !u.Stop:
		return "", false
	case snap.Finished != nil:
		return fmt.Sprintf("update %d to %s is already stopped (%s at %s); run \"neco recover\" to retry",
			u.ID, u.Version, snap.Finished.Result, formatTime(snap.Finished.FinishedAt)), true
	}
	return fmt.Sprintf("update %d to %s is already stopping; the updater records it as aborted", u.ID, u.Version), true
}
