package cli

import "github.com/spf13/cobra"

func newAuthCommand(env Env, cf *clusterFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "auth",
		Short: "Set up etcd users and roles so that each principal can do only its part",
		Long: `On a multi-server site, neco's daemons and operators authenticate to etcd
with TLS client certificates whose common name is their etcd user, and
etcd's roles decide what each may read and write:

  neco-worker-LRN    neco-worker of server LRN: its own report and install
                     records, the worker election, once-step records, the
                     download token github-asset-token
  neco-updater-LRN   neco-updater of server LRN: what the updater leader
                     writes, and every secret
  operators          config (secrets write-only), holds, pin, approve,
                     abort, recover, join, leave, rollback
  readers            everything but secrets (neco status, neco history)

"neco auth setup" creates and updates them; docs/etcd.md has the table of
keys each role reads and writes.`,
	}
	cmd.AddCommand(newAuthSetupCommand(env, cf))
	return cmd
}
