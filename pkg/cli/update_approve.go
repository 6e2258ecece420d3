package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/storage"
)

func newUpdateApproveCommand(env Env, cf *clusterFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "approve VERSION",
		Short: "Approve the release waiting for manual approval",
		Long: `With approval manual, the updater records the release it would update to
in info/candidate and waits. "neco update approve VERSION" approves it;
VERSION must be the waiting one, so that nobody approves a release they
did not see ("neco status" shows the candidate).

The update then starts as soon as the release window (release-time)
allows. A newer release that appears before it starts replaces the
candidate and needs its own approval.`,
		Example: `  neco status                       # candidate: 2026.11.24-1 waiting for ...
  neco update approve 2026.11.24-1`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return cf.explain(runUpdateApprove(cmd, env, cf, args[0]))
		},
	}
}

func runUpdateApprove(cmd *cobra.Command, env Env, cf *clusterFlags, arg string) error {
	v, err := model.ParseVersion(arg)
	if err != nil {
		return err
	}
	ctx, store, done, err := cf.open(cmd, env, true)
	if err != nil {
		return err
	}
	defer done()
	act := operatorAct(env, model.ActApprove)
	c, err := store.ApproveCandidate(ctx, v, act.By, act.At)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return errors.New("no release is waiting for approval")
	case errors.Is(err, storage.ErrConflict):
		return approveConflict(ctx, store, v)
	case err != nil:
		return err
	}
	fmt.Fprintf(env.Stdout, "approved %s (%s); the update starts when the release window allows\n", c.Version, c.Tag)
	return nil
}

// approveConflict tells a wrong version from a candidate replaced while
// approving; both come back from storage as ErrConflict.
func approveConflict(ctx context.Context, store *storage.Storage, v model.Version) error {
	snap, err := store.Snapshot(ctx)
	switch {
	case err != nil:
		return fmt.Errorf("approve %s: the candidate changed; reading it again: %w", v, err)
	case snap.Candidate == nil:
		return errors.New("no release is waiting for approval")
	case !snap.Candidate.Version.Equal(v):
		return fmt.Errorf("%s is not waiting for approval: the candidate is %s (%s)",
			v, snap.Candidate.Version, snap.Candidate.Tag)
	}
	return fmt.Errorf(`the candidate %s changed while approving; check "neco status" and try again`, v)
}
