package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/necoship/neco/pkg/storage"
)

func newUnpinCommand(env Env, cf *clusterFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "unpin",
		Short: "Remove the pin: the updater follows the channel again",
		Long: `Remove the pin (policy/pin). The updater takes the channel's newest
release on its next loop, unless it is held.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cf.explain(runUnpin(cmd, env, cf))
		},
	}
}

func runUnpin(cmd *cobra.Command, env Env, cf *clusterFlags) error {
	ctx, store, done, err := cf.open(cmd, env, true)
	if err != nil {
		return err
	}
	defer done()
	err = store.DeletePin(ctx)
	if errors.Is(err, storage.ErrNotFound) {
		return errors.New("the site is not pinned")
	}
	if err != nil {
		return fmt.Errorf("unpin: %w", err)
	}
	fmt.Fprintln(env.Stdout, "unpinned: the updater follows the channel again")
	return nil
}
