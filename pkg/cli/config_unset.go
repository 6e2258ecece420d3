package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/necoship/neco/pkg/config"
	"github.com/necoship/neco/pkg/storage"
)

func newConfigUnsetCommand(env Env, cf *clusterFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "unset KEY",
		Short: "Remove a cluster config key so that its default applies",
		Long: `Delete config/KEY from etcd (for a secret key, secret/KEY and a config/KEY
an older neco left). The default applies from the daemons' next loop,
without a restart. The change is recorded with you as its author, in the
same etcd transaction: see "neco config history". Unsetting a key that is
not set changes nothing and records nothing. A key this neco does not know
can be unset too, to clean up after a typo or a newer neco.`,
		Example: `  neco config unset release-time   # updates may start at any time again`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return cf.explain(runConfigUnset(cmd, env, cf, args[0]))
		},
	}
}

func runConfigUnset(cmd *cobra.Command, env Env, cf *clusterFlags, name string) error {
	key, known := config.LookupKey(name)
	ctx, store, done, err := cf.open(cmd, env, true)
	if err != nil {
		return err
	}
	defer done()
	by, err := configAuthor(env, cf)
	if err != nil {
		return err
	}
	err = store.DeleteConfig(ctx, name, by)
	switch {
	case (errors.Is(err, storage.ErrNotFound) || errors.Is(err, storage.ErrInvalid)) && !known:
		return unknownKeyError(name)
	case errors.Is(err, storage.ErrNotFound):
		fmt.Fprintf(env.Stdout, "%s was not set; %s\n", name, defaultNote(key))
		return nil
	case err != nil:
		return fmt.Errorf("unset %s: %w", name, err)
	case !known:
		fmt.Fprintf(env.Stdout, "%s unset\n", name)
		return nil
	}
	fmt.Fprintf(env.Stdout, "%s unset; %s\n", name, defaultNote(key))
	return nil
}
