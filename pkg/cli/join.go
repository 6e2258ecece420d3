package cli

import (
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/necoship/neco/pkg/access"
	"github.com/necoship/neco/pkg/config"
	"github.com/necoship/neco/pkg/model"
)

func newJoinCommand(env Env, cf *clusterFlags) *cobra.Command {
	var hostname string
	cmd := &cobra.Command{
		Use:   "join LRN",
		Short: "Register a boot server so that updates include it",
		Long: `Register the boot server with logical rack number LRN (bootservers/LRN in
etcd), by default under this machine's hostname.

The server takes part from the next update: an update that is running goes
on with the servers it started with, and once it has completed the updater
starts a reconfigure update that installs the same release on the new
server too (see docs/decide.md). Joining again with the same hostname
changes nothing; an LRN registered under another hostname is refused until
"neco leave LRN", and so is a hostname registered under another LRN.

It prints the etcd users of the server's daemons: on a site with etcd
auth, its neco-worker needs a client certificate with common name
neco-worker-LRN, its neco-updater one with neco-updater-LRN, and
"neco auth setup" must run again (see "neco auth --help").`,
		Example: `  neco join 3                       # this machine is boot server 3
  neco join 3 --hostname boot-3`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return cf.explain(runJoin(cmd, env, cf, args[0], hostname))
		},
	}
	cmd.Flags().StringVar(&hostname, "hostname", "", "hostname to register (default: this machine's)")
	return cmd
}

func runJoin(cmd *cobra.Command, env Env, cf *clusterFlags, arg, hostname string) error {
	lrn, err := parseLRNArg(arg)
	if err != nil {
		return err
	}
	host, err := joinHostname(env, hostname)
	if err != nil {
		return err
	}
	ctx, store, done, err := cf.open(cmd, env, true)
	if err != nil {
		return err
	}
	defer done()
	snap, err := store.Snapshot(ctx)
	if err != nil {
		return fmt.Errorf("join: %w", err)
	}
	if b, ok := snap.Bootservers[lrn]; ok && b.Hostname == host {
		fmt.Fprintf(env.Stdout, "boot server %d (%s) already joined\n", lrn, host)
		return nil
	}
	if err := checkJoin(snap, lrn, host); err != nil {
		return err
	}
	// Snapshot and put are two requests: a concurrent join of the same LRN
	// can slip in between. Storage has no create-only put for bootservers;
	// the window is one operator racing another on one LRN.
	b := model.Bootserver{LRN: lrn, Hostname: host, JoinedAt: env.Now().UTC()}
	if err := store.PutBootserver(ctx, b); err != nil {
		return fmt.Errorf("join boot server %d: %w", lrn, err)
	}
	fmt.Fprintf(env.Stdout, "boot server %d (%s) joined\n", lrn, host)
	fmt.Fprintln(env.Stdout, joinEffect(snap))
	fmt.Fprintln(env.Stdout, joinCertificates(lrn))
	return nil
}

// joinCertificates names the etcd users of the new server's daemons, the
// common names its client certificates need once etcd auth is on.
func joinCertificates(lrn int) string {
	return fmt.Sprintf("its etcd users: %s (etcd.tls-cert-file) and %s (etcd.updater-tls-cert-file); "+
		"with etcd auth, issue certificates with these common names and run \"neco auth setup\"",
		access.WorkerUser(lrn), access.UpdaterUser(lrn))
}

// parseLRNArg accepts the form storage keys use: digits, no sign, no
// leading zero, so that what the operator typed is the key they will see.
func parseLRNArg(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || model.CheckLRN(n) != nil || strconv.Itoa(n) != s {
		return 0, fmt.Errorf("LRN %q: want a decimal integer 0 to %d (0, 1, 2, ...)", s, model.MaxLRN)
	}
	return n, nil
}

func joinHostname(env Env, flag string) (string, error) {
	host := flag
	if host == "" {
		h, err := env.Hostname()
		if err != nil {
			return "", fmt.Errorf("hostname of this machine: %w (pass --hostname)", err)
		}
		host = h
	}
	if err := model.CheckHostname(host); err != nil {
		return "", err
	}
	return host, nil
}

// checkJoin refuses to silently re-point an LRN or to register one machine
// twice: both are typos that would make updates wait for a server that
// does not exist.
func checkJoin(snap model.Snapshot, lrn int, host string) error {
	if b, ok := snap.Bootservers[lrn]; ok {
		return fmt.Errorf("boot server %d is registered as %s; if %s is gone, run \"neco leave %d\" first",
			lrn, b.Hostname, b.Hostname, lrn)
	}
	for _, other := range snap.LRNs() {
		if b := snap.Bootservers[other]; b.Hostname == host {
			return fmt.Errorf("%s is already registered as boot server %d; run \"neco leave %d\" first to move it",
				host, other, other)
		}
	}
	return nil
}

// joinEffect says when the new server takes part (docs/decide.md).
func joinEffect(snap model.Snapshot) string {
	u := snap.Current
	switch state := updateState(snap); {
	case u == nil:
		return "it takes part in the first update" + testEnvNote(snap)
	case state == stateRunning:
		return fmt.Sprintf("update %d to %s, running now, goes on without it; "+
			"it takes part from the next update (a reconfigure update once %d completes)", u.ID, u.Version, u.ID)
	case u.Stop:
		return fmt.Sprintf("update %d is stopped; it takes part from the next update, after \"neco recover\"", u.ID)
	}
	return fmt.Sprintf("it takes part from the next update, which the updater starts to include it "+
		"(a reconfigure of %s unless a newer release qualifies)%s", u.Version, testEnvNote(snap))
}

// testEnvNote warns that env test starts no update by itself, so a server
// joined there waits for the operator.
func testEnvNote(snap model.Snapshot) string {
	c, _, err := config.ParseCluster(snap.Config)
	if err == nil && c.Env == model.EnvTest {
		return " (but env is test: no update starts by itself)"
	}
	return ""
}
