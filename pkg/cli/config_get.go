package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/necoship/neco/pkg/config"
	"github.com/necoship/neco/pkg/storage"
)

func newConfigGetCommand(env Env, cf *clusterFlags) *cobra.Command {
	var show bool
	cmd := &cobra.Command{
		Use:   "get KEY",
		Short: "Print the value of a cluster config key (or its default)",
		Long: `Print the value stored for KEY, or its default when it is unset; standard
output holds the value and a newline only, so scripts can use it. When the
key is unset, "(unset; default)" goes to standard error.

Secret keys print as ********, and URLs with a password have it masked,
unless --show is given. A secret that these etcd credentials may not read
(etcd grants each only to the roles that use it) is an error: whether it
is set is unknown. A key stored by a newer neco that this one does not
know is printed too, with a note on standard error.`,
		Example: `  neco config get env
  neco config get github-token --show`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return cf.explain(runConfigGet(cmd, env, cf, args[0], show))
		},
	}
	cmd.Flags().BoolVar(&show, "show", false, "print secret values and URL passwords in clear")
	return cmd
}

func runConfigGet(cmd *cobra.Command, env Env, cf *clusterFlags, name string, show bool) error {
	key, known := config.LookupKey(name)
	ctx, store, done, err := cf.open(cmd, env, true)
	if err != nil {
		return err
	}
	defer done()
	value, err := store.GetConfig(ctx, name)
	switch {
	// ErrInvalid: a name storage cannot hold (empty, with "/") is unset.
	case errors.Is(err, storage.ErrNotFound), errors.Is(err, storage.ErrInvalid), err == nil && value == "":
		if !known {
			return unknownKeyError(name)
		}
		// An empty stored value is unset too: ParseCluster applies the
		// default for it.
		fmt.Fprintln(env.Stdout, key.Default)
		if key.Default == "" {
			fmt.Fprintln(env.Stderr, "(unset; no default)")
		} else {
			fmt.Fprintln(env.Stderr, "(unset; default)")
		}
		return nil
	case storage.IsPermissionDenied(err) && config.IsSecret(name):
		return fmt.Errorf("%s: %s (etcd grants each secret only to the roles that use it)", name, notReadableNote)
	case err != nil:
		return fmt.Errorf("get %s: %w", name, err)
	}
	if !known {
		fmt.Fprintf(env.Stderr, "(%s is not a key this neco knows; a newer neco may use it)\n", name)
	}
	fmt.Fprintln(env.Stdout, shownValue(name, value, show))
	return nil
}
