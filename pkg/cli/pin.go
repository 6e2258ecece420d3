package cli

import (
	"github.com/spf13/cobra"

	"github.com/necoship/neco/pkg/storage"
)

func newPinCommand(env Env, cf *clusterFlags) *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:   "pin VERSION",
		Short: "Keep the site at VERSION: the updater takes no other release",
		Long: `Pin the site to VERSION (policy/pin in etcd). While pinned, the updater
starts no update to any other release, however new; it still takes
VERSION if that is the channel's newest release and the site is not on it
yet, and still installs the running version on servers that join.

Pinning does not move the site: to go back to an older VERSION, use
"neco rollback". "neco unpin" removes the pin; "neco hold list" shows it.`,
		Example: `  neco pin 2026.11.23-1 --reason "freeze during the migration"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return cf.explain(runPin(cmd, env, cf, args[0], reason))
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why, shown in neco status and neco hold list")
	return cmd
}

func runPin(cmd *cobra.Command, env Env, cf *clusterFlags, arg, reason string) error {
	return recordPolicy(cmd, env, cf, arg, reason, "pin", (*storage.Storage).PutPin,
		"pinned to %s: the updater takes no other release (neco unpin)\n")
}
