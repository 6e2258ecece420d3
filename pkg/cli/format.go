package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/necoship/neco/pkg/model"
)

// How the cluster commands print times, durations and values: every time
// in UTC with its zone named (boot servers and operators may sit in other
// zones), durations to the second.

// timeLayout is the text form of a time; --json uses RFC 3339.
const timeLayout = "2006-01-02 15:04:05 UTC"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// formatDuration rounds to the second: sub-second digits are noise to a
// person reading a rollout.
func formatDuration(d time.Duration) string { return d.Round(time.Second).String() }

// formatAgo says how long before now t was. A t after now (the clocks of
// two boot servers differ) reads as "0s ago" rather than a negative age.
func formatAgo(now, t time.Time) string {
	return formatDuration(max(now.Sub(t), 0)) + " ago"
}

// formatServers lists LRNs as "0,1,2", "-" for none.
func formatServers(lrns []int) string {
	parts := make([]string, len(lrns))
	for i, l := range lrns {
		parts[i] = strconv.Itoa(l)
	}
	return orDash(strings.Join(parts, ","))
}

// invalidKeyJSON is a key whose value was rejected, in --json outputs.
type invalidKeyJSON struct {
	Key   string `json:"key"`
	Error string `json:"error"`
}

// toInvalidKeysJSON never returns nil: --json arrays are never null.
func toInvalidKeysJSON(keys []model.InvalidKey) []invalidKeyJSON {
	out := make([]invalidKeyJSON, 0, len(keys))
	for _, k := range keys {
		out = append(out, invalidKeyJSON{Key: k.Key, Error: k.Err.Error()})
	}
	return out
}

// valueCell fits a value into one table cell: a multi-line value becomes
// its line count, and control characters are quoted so that a garbage
// value written by hand cannot break the table or the terminal.
func valueCell(value string) string {
	if n := strings.Count(value, "\n") + 1; n > 1 {
		return fmt.Sprintf("<%d lines>", n)
	}
	if strings.ContainsFunc(value, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return strconv.Quote(value)
	}
	return value
}

// oneLine joins the lines of a message (errors.Join output, a worker's
// message) so that it stays in its table cell or line.
func oneLine(s string) string {
	return valueCell(strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", "; ")), " "))
}

// orDash shows an empty value as "-".
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// writeJSON prints v as indented JSON, as every --json output is.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
