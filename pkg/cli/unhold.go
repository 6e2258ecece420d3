package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/storage"
)

func newUnholdCommand(env Env, cf *clusterFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "unhold VERSION",
		Short: "Release a hold: the updater may take VERSION again",
		Long: `Remove the hold of VERSION (policy/holds/VERSION). If VERSION is the
channel's newest release, the updater starts an update to it on its next
loop (approval and the release window still apply).`,
		Example: `  neco unhold 2026.11.24-1`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return cf.explain(runUnhold(cmd, env, cf, args[0]))
		},
	}
}

func runUnhold(cmd *cobra.Command, env Env, cf *clusterFlags, arg string) error {
	v, err := model.ParseVersion(arg)
	if err != nil {
		return err
	}
	ctx, store, done, err := cf.open(cmd, env, true)
	if err != nil {
		return err
	}
	defer done()
	err = store.DeleteHold(ctx, v)
	if errors.Is(err, storage.ErrNotFound) {
		return fmt.Errorf("%s is not held (neco hold list)", v)
	}
	if err != nil {
		return fmt.Errorf("unhold %s: %w", v, err)
	}
	fmt.Fprintf(env.Stdout, "released the hold of %s\n", v)
	return nil
}
