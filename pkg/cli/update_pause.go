package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/storage"
)

func newUpdatePauseCommand(env Env, cf *clusterFlags) *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:   "pause",
		Short: "Hold the running update between steps, on every boot server",
		Long: `Set "paused" on the running update (status/current). Each server finishes
the step it is in and starts no other; the updater opens no barrier and
times nobody out, since waiting is what was asked. A step that fails
meanwhile still aborts the update. "neco status" shows who paused it, when
and why; the pause and the resume are kept in the update's history.

Unlike "neco update abort", nothing is stopped or rolled back: "neco update
resume" lets the update go on where it was.

With release-window-scope whole, neco-updater pauses a running update
outside release-time by itself and resumes it when a window opens. Pausing
such an update makes the pause yours: the window no longer lifts it.`,
		Example: `  neco update pause --reason "incident 42: DNS flapping"
  neco update resume`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cf.explain(runSetPaused(cmd, env, cf, model.ActPause, reason))
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why, for neco status and history")
	return cmd
}

func newUpdateResumeCommand(env Env, cf *clusterFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "resume",
		Short: "Let a paused update go on",
		Long: `Clear "paused" on the running update: servers start their next steps
again and the updater opens barriers as before. A worker's silence counts
from the resume, so the pause is never mistaken for a hang.

An update neco-updater paused outside the release window
(release-window-scope whole) is paused again while the window stays
closed; "neco config set release-window-scope start" lets it run to its
end.`,
		Example: `  neco update resume`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cf.explain(runSetPaused(cmd, env, cf, model.ActResume, ""))
		},
	}
}

// maxPauseReason bounds --reason: it is shown in status lines.
const maxPauseReason = 200

func runSetPaused(cmd *cobra.Command, env Env, cf *clusterFlags, kind model.ActKind, reason string) error {
	if len(reason) > maxPauseReason {
		return fmt.Errorf("--reason: %d bytes, want at most %d", len(reason), maxPauseReason)
	}
	ctx, store, done, err := cf.open(cmd, env, true)
	if err != nil {
		return err
	}
	defer done()
	if _, err := readCurrent(ctx, store, string(kind)); err != nil {
		return err
	}
	act := operatorAct(env, kind)
	act.Detail = oneLine(reason)
	set := store.PauseUpdate
	if kind == model.ActResume {
		set = store.ResumeUpdate
	}
	u, changed, err := set(ctx, act)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return fmt.Errorf("no update to %s", kind)
	case errors.Is(err, storage.ErrConflict):
		return fmt.Errorf(`%w (only a running update can be paused or resumed; check "neco status")`, err)
	case err != nil:
		return err
	case !changed && kind == model.ActPause:
		fmt.Fprintf(env.Stdout, "update %d to %s is already paused\n", u.ID, u.Version)
	case !changed:
		fmt.Fprintf(env.Stdout, "update %d to %s is not paused\n", u.ID, u.Version)
	case kind == model.ActPause:
		fmt.Fprintf(env.Stdout, "update %d to %s paused: servers finish the step they are in and start no other; "+
			"\"neco update resume\" lets it go on\n", u.ID, u.Version)
	default:
		fmt.Fprintf(env.Stdout, "update %d to %s resumed\n", u.ID, u.Version)
		if last, _ := u.LastAct(model.ActPause); last.By == model.ByReleaseWindow {
			fmt.Fprintf(env.Stdout, "it was paused outside the release window (release-window-scope whole): while the window "+
				"stays closed, neco-updater pauses it again; \"neco config set release-window-scope start\" lets it run to its end\n")
		}
	}
	return nil
}
