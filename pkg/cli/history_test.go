package cli

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/necoship/neco/pkg/model"
)

// seedHistory records updates 1 to 3 and one key that does not decode.
func seedHistory(s *seeder) {
	t0 := time.Date(2026, 11, 20, 3, 0, 0, 0, time.UTC)
	entries := []model.HistoryEntry{
		{ID: 1, Version: model.MustParseVersion("2026.11.20-1"), Tag: "release-2026.11.20-1", Reason: model.ReasonUpdate,
			Result: model.ResultCompleted, Servers: []int{0, 1, 2}, StartedAt: t0, FinishedAt: t0.Add(20*time.Minute + 400*time.Millisecond),
			Message: "completed on servers 0, 1, 2"},
		{ID: 2, Version: fixVersion, Tag: "release-2026.11.23-1", Reason: model.ReasonUpdate,
			Result: model.ResultAborted, Servers: []int{0, 1, 2, 10}, StartedAt: t0.Add(72 * time.Hour),
			FinishedAt: t0.Add(72*time.Hour + 3*time.Minute), Message: "worker 2: dpkg failed\nexit status 1",
			Acts: []model.OperatorAct{
				{Act: model.ActAbort, By: "bob@boot-1", At: t0.Add(72*time.Hour + 2*time.Minute)},
				{Act: model.ActRecover, By: "alice@boot-0", At: t0.Add(72*time.Hour + 10*time.Minute)}}},
		{ID: 3, Version: fixVersion, Tag: "release-2026.11.23-1", Reason: model.ReasonReconfigure,
			Result: model.ResultCompleted, Servers: []int{0, 1, 2, 10}, StartedAt: t0.Add(73 * time.Hour),
			FinishedAt: t0.Add(73*time.Hour + 90*time.Second)},
	}
	for _, h := range entries {
		s.json("history/"+strings.Repeat("0", 19)+itoa(int(h.ID)), h)
	}
	s.raw("history/00000000000000000004", `{"id": 4}`)
}

func TestHistoryText(t *testing.T) {
	c := newCluster(t)
	seedHistory(seed(c))
	out, errOut, code := c.run("history")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	rows := tableRows(t, out)
	want := map[string][]string{
		"ID": {"ID", "VERSION", "REASON", "RESULT", "SERVERS", "STARTED (UTC)", "DURATION", "OPERATOR", "MESSAGE"},
		"3":  {"3", "2026.11.23-1", "reconfigure", "completed", "0,1,2,10", "2026-11-23 04:00:00", "1m30s", "-"},
		"2": {"2", "2026.11.23-1", "update", "aborted", "0,1,2,10", "2026-11-23 03:00:00", "3m0s",
			"abort by bob@boot-1, recover by alice@boot-0", "worker 2: dpkg failed; exit status 1"},
		"1": {"1", "2026.11.20-1", "update", "completed", "0,1,2", "2026-11-20 03:00:00", "20m0s", "-", "completed on servers 0, 1, 2"},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("rows (-want +got):\n%s\n%s", diff, out)
	}
	if lines := strings.Split(out, "\n"); !strings.HasPrefix(lines[1], "3 ") || !strings.HasPrefix(lines[3], "1 ") {
		t.Errorf("not newest first:\n%s", out)
	}
	wantErr := "neco: ignoring history key " + c.store.Prefix() + "history/00000000000000000004: "
	if !strings.HasPrefix(errOut, wantErr) || strings.Count(errOut, "\n") != 1 {
		t.Errorf("stderr %q; want one line starting %q", errOut, wantErr)
	}

	out, errOut, _ = c.run("history", "--limit", "1")
	if rows := tableRows(t, out); len(rows) != 2 || rows["3"] == nil {
		t.Errorf("--limit 1:\n%s", out)
	}
	if !strings.HasSuffix(errOut, "(1 of 3 entries; --limit 0 shows all)\n") {
		t.Errorf("--limit 1 stderr %q", errOut)
	}
}

func TestHistoryJSON(t *testing.T) {
	c := newCluster(t)
	seedHistory(seed(c))
	out, errOut, code := c.run("history", "--json", "--limit", "2")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got historyJSON
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	t0 := time.Date(2026, 11, 20, 3, 0, 0, 0, time.UTC)
	want := historyJSON{
		History: []historyEntryJSON{
			{ID: 3, Version: "2026.11.23-1", Tag: "release-2026.11.23-1", Reason: "reconfigure", Result: "completed",
				Servers: []int{0, 1, 2, 10}, StartedAt: t0.Add(73 * time.Hour), FinishedAt: t0.Add(73*time.Hour + 90*time.Second),
				Acts: []actJSON{}},
			{ID: 2, Version: "2026.11.23-1", Tag: "release-2026.11.23-1", Reason: "update", Result: "aborted",
				Servers: []int{0, 1, 2, 10}, StartedAt: t0.Add(72 * time.Hour), FinishedAt: t0.Add(72*time.Hour + 3*time.Minute),
				Message: "worker 2: dpkg failed\nexit status 1",
				Acts: []actJSON{
					{Act: "abort", By: "bob@boot-1", At: t0.Add(72*time.Hour + 2*time.Minute)},
					{Act: "recover", By: "alice@boot-0", At: t0.Add(72*time.Hour + 10*time.Minute)}}},
		},
		InvalidKeys: []invalidKeyJSON{{Key: c.store.Prefix() + "history/00000000000000000004",
			Error: "version: empty\nreason \"\": want update, reconfigure or rollback\nresult \"\": want completed, aborted or timedout"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestHistoryEmptyAndErrors(t *testing.T) {
	c := newCluster(t)
	out, errOut, code := c.run("history")
	if code != 0 || out != "no update has ended yet\n" || errOut != "" {
		t.Errorf("text: exit %d, %q, %q", code, out, errOut)
	}
	out, _, code = c.run("history", "--json")
	if code != 0 || strings.Join(strings.Fields(out), "") != `{"history":[],"invalid_keys":[]}` {
		t.Errorf("json: exit %d, %q; want empty arrays, never null", code, out)
	}
	_, errOut, code = c.run("history", "--limit", "-1")
	if code != 1 || errOut != "neco: --limit -1: want 0 (all) or more\n" {
		t.Errorf("--limit -1: exit %d, %q", code, errOut)
	}
}
