package cli

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestHoldAndPin walks the policy commands in order against one cluster:
// each step's output and what the next snapshot holds.
func TestHoldAndPin(t *testing.T) {
	c := newCluster(t)
	c.env = map[string]string{"USER": "alice"}
	at := testNow.UTC().Truncate(time.Second)
	steps := []struct {
		args             []string
		wantOut, wantErr string
	}{
		{args: []string{"hold", "list"}, wantOut: "no version is held\n"},
		{args: []string{"hold", "2026.11.24-1", "--reason", "breaks DHCP"},
			wantOut: "held 2026.11.24-1: the updater will not move the site to it by itself (neco unhold 2026.11.24-1)\n"},
		{args: []string{"hold", "2026.11.23-10"},
			wantOut: "held 2026.11.23-10: the updater will not move the site to it by itself (neco unhold 2026.11.23-10)\n"},
		{args: []string{"pin", "2026.11.23-9", "--reason", "freeze"},
			wantOut: "pinned to 2026.11.23-9: the updater takes no other release (neco unpin)\n"},
		{args: []string{"hold", "list"},
			wantOut: "pinned to 2026.11.23-9 since " + at.Format(time.DateTime) + " UTC by alice@boot-test: freeze\n" +
				"VERSION        SINCE                    BY               REASON\n" +
				"2026.11.24-1   " + at.Format(time.DateTime) + " UTC  alice@boot-test  breaks DHCP\n" +
				"2026.11.23-10  " + at.Format(time.DateTime) + " UTC  alice@boot-test  \n"},
		{args: []string{"unhold", "2026.11.24-1"}, wantOut: "released the hold of 2026.11.24-1\n"},
		{args: []string{"unhold", "2026.11.24-1"}, wantErr: "neco: 2026.11.24-1 is not held (neco hold list)\n"},
		{args: []string{"hold", "not-a-version!"}, wantErr: "neco: "},
		{args: []string{"unpin"}, wantOut: "unpinned: the updater follows the channel again\n"},
		{args: []string{"unpin"}, wantErr: "neco: the site is not pinned\n"},
	}
	for _, s := range steps {
		out, errOut, code := c.run(s.args...)
		wantCode := 0
		if s.wantErr != "" {
			wantCode = 1
		}
		gotErr := errOut
		if s.wantErr == "neco: " && len(errOut) > len(s.wantErr) {
			gotErr = errOut[:len(s.wantErr)] // any parse error will do
		}
		if code != wantCode || out != s.wantOut || gotErr != s.wantErr {
			t.Errorf("neco %v: exit %d, stdout %q, stderr %q; want exit %d, stdout %q, stderr %q",
				s.args, code, out, errOut, wantCode, s.wantOut, s.wantErr)
		}
	}
	out, _, code := c.run("hold", "list", "--json")
	var got holdListJSON
	if err := json.Unmarshal([]byte(out), &got); code != 0 || err != nil {
		t.Fatalf("hold list --json: exit %d, %v: %s", code, err, out)
	}
	want := holdListJSON{Holds: []holdJSON{{Version: "2026.11.23-10", By: "alice@boot-test", At: at}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("hold list --json (-want +got):\n%s", diff)
	}
}
