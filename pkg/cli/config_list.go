package cli

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/necoship/neco/pkg/config"
	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/storage"
)

func newConfigListCommand(env Env, cf *clusterFlags) *cobra.Command {
	var show bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List every cluster config key with its value and default",
		Long: `List every key this neco knows, in a fixed order, with the value stored in
etcd ("-" when unset: the default applies) and the default. NOTE marks a
stored value that does not validate ("invalid: ..."; the updater refuses
the whole configuration until it is fixed) and keys stored in etcd that
this neco does not know ("unknown": set by a newer neco, or a typo made
with etcdctl).

Secret values print as ********, URL passwords are masked, and multi-line
values show their line count; --show prints secrets and passwords in clear.
A secret that these etcd credentials may not read (etcd grants each only
to the roles that use it) shows "?" with the note "not readable with these
etcd credentials": it may be set or not.`,
		Example: `  neco config list`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cf.explain(runConfigList(cmd, env, cf, show))
		},
	}
	cmd.Flags().BoolVar(&show, "show", false, "print secret values and URL passwords in clear")
	return cmd
}

func runConfigList(cmd *cobra.Command, env Env, cf *clusterFlags, show bool) error {
	ctx, store, done, err := cf.open(cmd, env, true)
	if err != nil {
		return err
	}
	defer done()
	stored, err := store.ListConfig(ctx)
	if err != nil {
		return fmt.Errorf("list config: %w", err)
	}
	return printConfigList(env.Stdout, configRows(stored, show))
}

// unreadableValue is the VALUE of a secret etcd would not let us read:
// neither set nor unset, unknown.
const unreadableValue = "?"

// configRow is one line of `neco config list`.
type configRow struct {
	name, value, def, note string
}

// configRows lists the registry in its order, then the stored keys it does
// not know, sorted.
func configRows(list storage.ConfigList, show bool) []configRow {
	stored := list.Values
	var rows []configRow
	for _, k := range config.Keys() {
		row := configRow{name: k.Name, value: "-", def: orDash(k.Default)}
		if v, ok := stored[k.Name]; ok && v != "" {
			row.value = valueCell(shownValue(k.Name, v, show))
			row.note = invalidNote(k.Name, v)
		}
		if slices.Contains(list.Unreadable, k.Name) {
			row.value, row.note = unreadableValue, notReadableNote
		}
		rows = append(rows, row)
	}
	var unknown []string
	for name := range stored {
		if _, ok := config.LookupKey(name); !ok {
			unknown = append(unknown, name)
		}
	}
	slices.Sort(unknown)
	for _, name := range unknown {
		v := valueCell(shownValue(name, stored[name], show))
		rows = append(rows, configRow{name: name, value: v, def: "-", note: "unknown"})
	}
	return rows
}

// invalidNote is empty for a valid value. The key's name is dropped from
// the validation error: the row already shows it.
func invalidNote(name, value string) string {
	err := config.ValidateValue(name, value)
	if err == nil {
		return ""
	}
	var fe *model.FieldError
	if errors.As(err, &fe) {
		err = fe.Err
	}
	return "invalid: " + oneLine(err.Error())
}

func printConfigList(w io.Writer, rows []configRow) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KEY\tVALUE\tDEFAULT\tNOTE")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", valueCell(r.name), r.value, r.def, r.note)
	}
	return tw.Flush()
}
