package cli

import (
	"errors"
	"fmt"
	"slices"

	"github.com/spf13/cobra"

	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/storage"
)

func newLeaveCommand(env Env, cf *clusterFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "leave LRN",
		Short: "Unregister a boot server so that the next update leaves it out",
		Long: `Remove the registration of boot server LRN (bootservers/LRN in etcd).

The next update leaves the server out; once the last update has completed,
the updater starts a reconfigure update for the remaining servers. An
update that is running still lists the server and waits for its worker: if
the machine is gone, that update times out (or abort it with "neco update
abort"). The server's last report and install records stay in etcd as
history.`,
		Example: `  neco leave 3`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return cf.explain(runLeave(cmd, env, cf, args[0]))
		},
	}
}

func runLeave(cmd *cobra.Command, env Env, cf *clusterFlags, arg string) error {
	lrn, err := parseLRNArg(arg)
	if err != nil {
		return err
	}
	ctx, store, done, err := cf.open(cmd, env, true)
	if err != nil {
		return err
	}
	defer done()
	// The snapshot only names the server and the running update in the
	// message; the delete decides whether it was registered.
	snap, err := store.Snapshot(ctx)
	if err != nil {
		return fmt.Errorf("leave: %w", err)
	}
	err = store.DeleteBootserver(ctx, lrn)
	if errors.Is(err, storage.ErrNotFound) {
		return fmt.Errorf("boot server %d is not registered", lrn)
	}
	if err != nil {
		return fmt.Errorf("leave boot server %d: %w", lrn, err)
	}
	name := fmt.Sprintf("boot server %d", lrn)
	if b, ok := snap.Bootservers[lrn]; ok {
		name += " (" + b.Hostname + ")"
	}
	fmt.Fprintln(env.Stdout, name+" left")
	fmt.Fprintln(env.Stdout, leaveEffect(snap, lrn))
	return nil
}

// leaveEffect says what still involves the server (docs/decide.md: the
// participants of a running update are fixed when it starts).
func leaveEffect(snap model.Snapshot, lrn int) string {
	u := snap.Current
	if u != nil && updateState(snap) == stateRunning && slices.Contains(u.Servers, lrn) {
		return fmt.Sprintf("update %d to %s, running now, still lists it and waits for its worker; "+
			"the next update leaves it out", u.ID, u.Version)
	}
	return "the next update leaves it out"
}
