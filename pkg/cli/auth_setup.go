package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/spf13/cobra"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/necoship/neco/pkg/access"
	"github.com/necoship/neco/pkg/config"
	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/storage"
)

// authSetupFlags are the principals and switches of "neco auth setup".
type authSetupFlags struct {
	operators, readers []string
	enable, dryRun     bool
}

func newAuthSetupCommand(env Env, cf *clusterFlags) *cobra.Command {
	var f authSetupFlags
	cmd := &cobra.Command{
		Use:   "setup",
		Short: "Create or update etcd's users and roles from the registered boot servers",
		Long: `Make etcd's users and roles match the registered boot servers and the
operators and readers named, printing each change. Running it again
changes nothing; run it after every "neco join" and "neco leave": the users
and role of a server that left are deleted, and a grant added to a
server's role or user by hand is taken back.

It needs etcd's root: a client certificate with common name root (on the
boot servers' own CLI config, or with --config pointing at root's). Secret
config keys an older neco stored under config/ are moved to secret/ first,
where servers cannot read them.

With --enable, etcd authentication is turned on at the end (once on, it
stays on; "etcdctl auth disable" as root turns it off). Before that, give
every server its certificates: neco-worker-LRN in etcd.tls-cert-file and
neco-updater-LRN in etcd.updater-tls-cert-file of /etc/neco/config.yml. An
operator named with --operator or --reader keeps the user when a later run
does not name it again; delete one with "etcdctl user delete".`,
		Example: `  neco auth setup --dry-run --operator alice
  neco auth setup --operator alice --operator bob --reader grafana
  neco auth setup --enable`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cf.explain(runAuthSetup(cmd, env, cf, f))
		},
	}
	cmd.Flags().StringArrayVar(&f.operators, "operator", nil, "etcd user (certificate common name) given the operator role; repeatable")
	cmd.Flags().StringArrayVar(&f.readers, "reader", nil, "etcd user given the read-only role; repeatable")
	cmd.Flags().BoolVar(&f.enable, "enable", false, "turn etcd authentication on once users and roles are in place")
	cmd.Flags().BoolVar(&f.dryRun, "dry-run", false, "print what would change and change nothing")
	return cmd
}

func runAuthSetup(cmd *cobra.Command, env Env, cf *clusterFlags, f authSetupFlags) error {
	if err := checkUserNames(append(slices.Clone(f.operators), f.readers...)); err != nil {
		return err
	}
	ctx, store, done, err := cf.open(cmd, env, true)
	if err != nil {
		return err
	}
	defer done()
	snap, err := store.Snapshot(ctx)
	if err != nil {
		return fmt.Errorf("auth setup: %w", err)
	}
	if err := migrateSecrets(ctx, env, cf, store, snap, f.dryRun); err != nil {
		return explainRoot(err)
	}
	lrns := slices.Sorted(maps.Keys(snap.Bootservers))
	plan := access.Roles(store, lrns, access.Principals{Operators: f.operators, Readers: f.readers})
	changes, err := access.Apply(ctx, store.Auth(), plan, f.dryRun)
	printChanges(env.Stdout, changes, f.dryRun)
	if err != nil {
		return explainRoot(fmt.Errorf("auth setup: %w", err))
	}
	printServerUsers(env.Stdout, snap.Bootservers, lrns)
	if f.enable && !f.dryRun {
		return enableAuth(ctx, env.Stdout, store)
	}
	return nil
}

// migrateSecrets moves secrets an older neco stored under config/, which
// every role reads, to secret/ (dry: lists them).
func migrateSecrets(ctx context.Context, env Env, cf *clusterFlags, store *storage.Storage, snap model.Snapshot, dry bool) error {
	if dry {
		for _, name := range slices.Sorted(maps.Keys(snap.Config)) {
			if config.IsSecret(name) {
				fmt.Fprintf(env.Stdout, "would move secret %s from config/ to secret/ (dry run)\n", name)
			}
		}
		return nil
	}
	by, err := configAuthor(env, cf)
	if err != nil {
		return err
	}
	moved, err := store.MigrateSecrets(ctx, by)
	if err != nil {
		return fmt.Errorf("move secrets to secret/: %w", err)
	}
	for _, name := range moved {
		fmt.Fprintf(env.Stdout, "moved secret %s from config/ to secret/\n", name)
	}
	return nil
}

func printChanges(w io.Writer, changes []access.Change, dry bool) {
	verb := "changed"
	if dry {
		verb = "would change (dry run)"
	}
	if len(changes) == 0 {
		fmt.Fprintln(w, "etcd users and roles already match")
		return
	}
	fmt.Fprintf(w, "%s %d etcd users and roles:\n", verb, len(changes))
	for _, c := range changes {
		fmt.Fprintf(w, "  %s\n", c)
	}
}

// printServerUsers says which certificate each server's daemons need.
func printServerUsers(w io.Writer, servers map[int]model.Bootserver, lrns []int) {
	for _, lrn := range lrns {
		fmt.Fprintf(w, "server %d (%s): neco-worker certificate CN %s, neco-updater certificate CN %s\n",
			lrn, servers[lrn].Hostname, access.WorkerUser(lrn), access.UpdaterUser(lrn))
	}
}

// enableAuth turns etcd authentication on. etcd before 3.5 has no
// AuthStatus (Unimplemented); its AuthEnable succeeds whether auth was on
// or not, so the message then cannot say which.
func enableAuth(ctx context.Context, w io.Writer, store *storage.Storage) error {
	st, err := store.Auth().AuthStatus(ctx)
	switch {
	case status.Code(err) == codes.Unimplemented:
		if _, err := store.Auth().AuthEnable(ctx); err != nil {
			return explainRoot(fmt.Errorf("enable etcd authentication: %w", err))
		}
		fmt.Fprintln(w, "etcd authentication is on (this etcd cannot say whether it was before)")
		return nil
	case err != nil:
		return explainRoot(fmt.Errorf("auth status: %w", err))
	case st.Enabled:
		fmt.Fprintln(w, "etcd authentication is on")
		return nil
	}
	if _, err := store.Auth().AuthEnable(ctx); err != nil {
		return explainRoot(fmt.Errorf("enable etcd authentication: %w", err))
	}
	fmt.Fprintln(w, "etcd authentication turned on")
	return nil
}

// explainRoot says what a refused set-up lacks.
func explainRoot(err error) error {
	if storage.IsPermissionDenied(err) {
		return fmt.Errorf("%w (run it as etcd's root: a client certificate with common name root)", err)
	}
	return err
}

// checkUserNames refuses names etcd would take but nobody could present
// as a certificate's common name, and the names neco derives itself.
func checkUserNames(names []string) error {
	for _, n := range names {
		switch {
		case n == "" || len(n) > 64:
			return fmt.Errorf("user %q: want 1 to 64 characters", n)
		case n == access.UserRoot:
			return errors.New("user root: etcd's root is not an operator or a reader")
		case access.IsServerUser(n):
			return fmt.Errorf("user %s: this name belongs to a boot server's daemon", n)
		}
		for _, r := range n {
			if r <= ' ' || r == 0x7f {
				return fmt.Errorf("user %q: no spaces or control characters", n)
			}
		}
	}
	return nil
}
