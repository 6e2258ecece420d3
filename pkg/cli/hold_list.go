package cli

import (
	"fmt"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/necoship/neco/pkg/model"
)

// holdJSON is one hold or the pin in `neco hold list --json`.
type holdJSON struct {
	Version string    `json:"version"`
	Reason  string    `json:"reason"`
	By      string    `json:"by"`
	At      time.Time `json:"at"`
}

// holdListJSON is the documented `neco hold list --json` (docs/cli.md).
type holdListJSON struct {
	Holds []holdJSON `json:"holds"`
	Pin   *holdJSON  `json:"pin"`
}

func newHoldListCommand(env Env, cf *clusterFlags) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the held versions and the pin",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cf.explain(runHoldList(cmd, env, cf, asJSON))
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func runHoldList(cmd *cobra.Command, env Env, cf *clusterFlags, asJSON bool) error {
	ctx, store, done, err := cf.open(cmd, env, false)
	if err != nil {
		return err
	}
	defer done()
	snap, err := store.Snapshot(ctx)
	if err != nil {
		return fmt.Errorf("hold list: %w", err)
	}
	out := holdList(snap)
	if asJSON {
		return writeJSON(env.Stdout, out)
	}
	if out.Pin != nil {
		fmt.Fprintf(env.Stdout, "pinned to %s since %s by %s%s\n", out.Pin.Version,
			out.Pin.At.Format(time.DateTime+" MST"), out.Pin.By, because(out.Pin.Reason))
	}
	if len(out.Holds) == 0 {
		fmt.Fprintln(env.Stdout, "no version is held")
		return nil
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "VERSION\tSINCE\tBY\tREASON")
	for _, h := range out.Holds {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", h.Version, h.At.Format(time.DateTime+" MST"), h.By, h.Reason)
	}
	return tw.Flush()
}

// holdList orders the holds by version, newest first.
func holdList(snap model.Snapshot) holdListJSON {
	var hs []model.Hold
	for _, h := range snap.Holds {
		hs = append(hs, h)
	}
	slices.SortFunc(hs, func(a, b model.Hold) int { return b.Version.Compare(a.Version) })
	out := holdListJSON{Holds: []holdJSON{}}
	for _, h := range hs {
		out.Holds = append(out.Holds, toHoldJSON(h))
	}
	if snap.Pin != nil {
		p := toHoldJSON(*snap.Pin)
		out.Pin = &p
	}
	return out
}

func toHoldJSON(h model.Hold) holdJSON {
	return holdJSON{Version: h.Version.String(), Reason: h.Reason, By: h.By, At: h.At.UTC()}
}

func because(reason string) string {
	if reason == "" {
		return ""
	}
	return ": " + reason
}
