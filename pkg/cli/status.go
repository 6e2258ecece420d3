package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/storage"
)

func newStatusCommand(env Env, cf *clusterFlags) *cobra.Command {
	var asJSON, watch bool
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the current update, every boot server's progress and the updater's health",
		Long: `Show, from one etcd snapshot, what the rollout is doing:

  - the current (or last) update: release, reason, state (running,
    stopping, completed, aborted, timedout), how long it ran, the barrier
    step workers may enter, stop, and the updater's message;
  - every boot server (registered, taking part, or with a report), sorted
    by LRN: its step, condition, message and how long ago it reported for
    this update (reports of earlier updates are not shown), and what it
    recorded as installed;
  - the latest release the updater saw, the release waiting for approval,
    whether release checks succeed (authentication and rate-limit errors
    show here), which neco-updater leads ("none": nothing advances), the
    env and release window as the updater applies them;
  - what the updater decides on this snapshot ("updater next": waiting
    for workers, for approval, for the release window, for a release to
    be old enough, held, pinned, stopped), and the holds, the pin and a
    pending rollback;
  - keys whose stored values are invalid, which the updater ignores.

It only reads. --watch redraws after every change until Ctrl-C; each of
its reads is bounded by --timeout, the watch itself is not. --json prints
the schema documented in docs/cli.md, one object per line with --watch.`,
		Example: `  neco status
  neco status --watch
  neco status --json | jq '.servers[] | select(.report.cond == "aborted")'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if watch {
				return cf.explain(runStatusWatch(cmd, env, cf, asJSON))
			}
			return cf.explain(runStatus(cmd, env, cf, asJSON))
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON (schema in docs/cli.md)")
	cmd.Flags().BoolVarP(&watch, "watch", "w", false, "redraw on every change until interrupted")
	return cmd
}

func runStatus(cmd *cobra.Command, env Env, cf *clusterFlags, asJSON bool) error {
	ctx, store, done, err := cf.open(cmd, env, true)
	if err != nil {
		return err
	}
	defer done()
	st, err := readStatus(ctx, store, env.Now())
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	}
	_, err = io.WriteString(env.Stdout, statusText(st, env.width()))
	return err
}

// readStatus reads one snapshot, then what it leaves out: the updater
// leader, election keys without a lease and what each server installed. Those reads come after the
// snapshot's revision; they only add detail to it.
func readStatus(ctx context.Context, store *storage.Storage, now time.Time) (statusJSON, error) {
	snap, err := store.Snapshot(ctx)
	if err != nil {
		return statusJSON{}, fmt.Errorf("status: %w", err)
	}
	in := statusInput{snap: snap, now: now}
	in.leader, err = store.ElectionLeader(ctx, store.LeaderUpdaterKey())
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return statusJSON{}, fmt.Errorf("status: updater leader: %w", err)
	}
	if in.leaseless, err = leaselessElectionKeys(ctx, store); err != nil {
		return statusJSON{}, fmt.Errorf("status: %w", err)
	}
	if in.installed, in.invalid, err = listInstalled(ctx, store, serverLRNs(snap)); err != nil {
		return statusJSON{}, fmt.Errorf("status: %w", err)
	}
	return buildStatus(in), nil
}

// leaselessElectionKeys lists the keys without a lease of both elections:
// every candidate ignores them, and an operator should know they exist
// (someone wrote them by hand, or should not be able to write there).
func leaselessElectionKeys(ctx context.Context, store *storage.Storage) ([]string, error) {
	var out []string
	for _, election := range []string{store.LeaderUpdaterKey(), store.LeaderWorkerKey()} {
		keys, err := store.LeaselessElectionKeys(ctx, election)
		if err != nil {
			return nil, err
		}
		out = append(out, keys...)
	}
	return out, nil
}

// listInstalled reads what each of lrns recorded as installed, with the
// keys that did not decode (neco status and neco plan).
func listInstalled(ctx context.Context, store *storage.Storage, lrns []int) (map[int]model.Installed, []model.InvalidKey, error) {
	out := map[int]model.Installed{}
	var invalid []model.InvalidKey
	for _, lrn := range lrns {
		inst, bad, err := store.ListInstalled(ctx, lrn)
		if err != nil {
			return nil, nil, fmt.Errorf("installed on %d: %w", lrn, err)
		}
		out[lrn] = inst
		invalid = append(invalid, bad...)
	}
	return out, invalid, nil
}
