package cli

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/necoship/neco/pkg/model"
)

func newConfigHistoryCommand(env Env, cf *clusterFlags) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "history [KEY]",
		Short: "List who changed the cluster config, and what, oldest first",
		Long: `List the recorded changes of the cluster config (audit/config/<id> in etcd),
oldest first: every "neco config set" and "neco config unset", and every
secret moved from config/ to secret/ (action migrate), each with its time,
who made it (USER@host of the command: SUDO_USER or USER) and the etcd user
it acted as (the common name of the client certificate; "-" on a site
without etcd auth). Given KEY, only the changes of KEY.

Each record is written in the etcd transaction that makes its change, so
the list is complete: a change is never without its record.

CHANGE shows the value replaced and the value stored ("-": unset), with
URL passwords masked. A secret's values are never recorded, not even as a
hash: CHANGE shows "(secret)".

Records that do not decode are skipped with a warning on standard error.
--json prints an array of records (schema in docs/cli.md).`,
		Example: `  neco config history
  neco config history github-token
  neco config history --json | jq '.[] | select(.etcd_user == "")'`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := ""
			if len(args) == 1 {
				name = args[0]
			}
			return cf.explain(runConfigHistory(cmd, env, cf, name, asJSON))
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON array of the records")
	return cmd
}

func runConfigHistory(cmd *cobra.Command, env Env, cf *clusterFlags, name string, asJSON bool) error {
	ctx, store, done, err := cf.open(cmd, env, true)
	if err != nil {
		return err
	}
	defer done()
	changes, invalid, err := store.ListConfigChanges(ctx, name)
	if err != nil {
		return fmt.Errorf("config history: %w", err)
	}
	for _, k := range invalid {
		fmt.Fprintf(env.Stderr, "neco: ignoring config audit key %s: %s\n", k.Key, oneLine(k.Err.Error()))
	}
	if asJSON {
		// --json arrays are never null.
		return writeJSON(env.Stdout, append([]model.ConfigChange{}, changes...))
	}
	return printConfigHistory(env.Stdout, name, changes)
}

func printConfigHistory(w io.Writer, name string, changes []model.ConfigChange) error {
	if len(changes) == 0 {
		what := "the cluster config"
		if name != "" {
			what = valueCell(name)
		}
		_, err := fmt.Fprintf(w, "no change of %s recorded\n", what)
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTIME (UTC)\tBY\tETCD USER\tKEY\tACTION\tCHANGE")
	for _, c := range changes {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", c.ID, c.At.UTC().Format(time.DateTime),
			valueCell(c.By), orDash(valueCell(c.EtcdUser)), valueCell(c.Name), c.Action, changeCell(c))
	}
	return tw.Flush()
}

// changeCell is "old -> new", "-" standing for unset. The record holds
// no secret value, so there is nothing to show for one.
func changeCell(c model.ConfigChange) string {
	if c.Secret {
		return "(secret)"
	}
	return orDash(valueCell(c.Old)) + " -> " + orDash(valueCell(c.New))
}
