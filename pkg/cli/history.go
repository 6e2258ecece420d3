package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/necoship/neco/pkg/model"
)

// historyJSON is the documented `neco history --json` schema
// (docs/cli.md). Fields are only ever added.
type historyJSON struct {
	History     []historyEntryJSON `json:"history"`
	InvalidKeys []invalidKeyJSON   `json:"invalid_keys"`
}

type historyEntryJSON struct {
	ID         int64     `json:"id"`
	Version    string    `json:"version"`
	Tag        string    `json:"tag"`
	Reason     string    `json:"reason"`
	Result     string    `json:"result"`
	Servers    []int     `json:"servers"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	Message    string    `json:"message"`
	// Acts are what operators forced on the update, oldest first.
	Acts []actJSON `json:"acts"`
}

// actJSON is an operator act (model.OperatorAct) in --json outputs.
type actJSON struct {
	Act    string    `json:"act"`
	By     string    `json:"by"`
	At     time.Time `json:"at"`
	Force  bool      `json:"force"`
	Detail string    `json:"detail"`
}

// toActsJSON never returns nil: --json arrays are never null.
func toActsJSON(acts []model.OperatorAct) []actJSON {
	out := make([]actJSON, 0, len(acts))
	for _, a := range acts {
		out = append(out, actJSON{Act: string(a.Act), By: a.By, At: a.At.UTC(), Force: a.Force, Detail: a.Detail})
	}
	return out
}

// formatActs is "abort by bob@boot-1, recover by alice@boot-0"; a forced
// rollback reads "rollback --force by ...". "-" for none.
func formatActs(acts []actJSON) string {
	parts := make([]string, len(acts))
	for i, a := range acts {
		what := a.Act
		if a.Force {
			what += " --force"
		}
		parts[i] = what + " by " + valueCell(a.By)
	}
	return orDash(strings.Join(parts, ", "))
}

// defaultHistoryLimit keeps the table on one screen; --limit 0 shows all.
const defaultHistoryLimit = 20

func newHistoryCommand(env Env, cf *clusterFlags) *cobra.Command {
	var (
		asJSON bool
		limit  int
	)
	cmd := &cobra.Command{
		Use:   "history",
		Short: "List how past updates ended, newest first",
		Long: `List the updates that have ended (history/<id> in etcd), newest first: the
release, why the update started (update, reconfigure, rollback), how it
ended (completed, aborted, timedout), on which servers, when and for how
long, who forced what on it (OPERATOR: "neco update abort", "neco
recover", "neco rollback [--force]"; --json has when, and what a forced
rollback went past) and the updater's message (for a failure, which worker
failed and why). A running update is not listed until it ends; see "neco status".

Entries that do not decode are skipped with a warning on standard error.`,
		Example: `  neco history
  neco history --limit 0 --json | jq '.history[] | select(.result != "completed")'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if limit < 0 {
				return fmt.Errorf("--limit %d: want 0 (all) or more", limit)
			}
			return cf.explain(runHistory(cmd, env, cf, asJSON, limit))
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON (schema in docs/cli.md)")
	cmd.Flags().IntVar(&limit, "limit", defaultHistoryLimit, "show at most this many entries, newest first (0: all)")
	return cmd
}

func runHistory(cmd *cobra.Command, env Env, cf *clusterFlags, asJSON bool, limit int) error {
	ctx, store, done, err := cf.open(cmd, env, true)
	if err != nil {
		return err
	}
	defer done()
	entries, invalid, err := store.ListHistory(ctx)
	if err != nil {
		return fmt.Errorf("history: %w", err)
	}
	total := len(entries)
	slices.Reverse(entries)
	if limit > 0 && len(entries) > limit {
		entries = entries[:limit]
	}
	out := historyJSON{History: make([]historyEntryJSON, 0, len(entries)), InvalidKeys: toInvalidKeysJSON(invalid)}
	for _, h := range entries {
		out.History = append(out.History, toHistoryEntryJSON(h))
	}
	if asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	for _, k := range invalid {
		fmt.Fprintf(env.Stderr, "neco: ignoring history key %s: %s\n", k.Key, oneLine(k.Err.Error()))
	}
	if err := printHistory(env.Stdout, out.History); err != nil {
		return err
	}
	if len(entries) < total {
		fmt.Fprintf(env.Stderr, "(%d of %d entries; --limit 0 shows all)\n", len(entries), total)
	}
	return nil
}

func toHistoryEntryJSON(h model.HistoryEntry) historyEntryJSON {
	return historyEntryJSON{
		ID: h.ID, Version: h.Version.String(), Tag: h.Tag, Reason: string(h.Reason), Result: string(h.Result),
		Servers: nonNil(h.Servers), StartedAt: h.StartedAt.UTC(), FinishedAt: h.FinishedAt.UTC(), Message: h.Message,
		Acts: toActsJSON(h.Acts),
	}
}

func printHistory(w io.Writer, entries []historyEntryJSON) error {
	if len(entries) == 0 {
		_, err := fmt.Fprintln(w, "no update has ended yet")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tVERSION\tREASON\tRESULT\tSERVERS\tSTARTED (UTC)\tDURATION\tOPERATOR\tMESSAGE")
	for _, h := range entries {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", h.ID, h.Version, h.Reason, h.Result,
			formatServers(h.Servers), h.StartedAt.Format(time.DateTime), formatDuration(h.FinishedAt.Sub(h.StartedAt)),
			formatActs(h.Acts), oneLine(h.Message))
	}
	return tw.Flush()
}
