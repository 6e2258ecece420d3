package cli

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/necoship/neco/pkg/model"
)

// joinCase is one `neco join` against seeded keys: exact stdout and
// stderr, and bootservers/<lrn> afterwards.
type joinCase struct {
	name    string
	setup   func(s *seeder)
	args    []string
	wantOut string
	wantErr string
	// wantStored is bootservers/<lrn> afterwards (lrn of wantStored).
	wantStored model.Bootserver
}

// certLine is what join prints of server lrn's etcd users.
func certLine(lrn int) string {
	return fmt.Sprintf("its etcd users: neco-worker-%d (etcd.tls-cert-file) and neco-updater-%d "+
		"(etcd.updater-tls-cert-file); with etcd auth, issue certificates with these common names "+
		"and run \"neco auth setup\"\n", lrn, lrn)
}

var joinCases = []joinCase{
	{name: "first server", args: []string{"2", "--hostname", "boot-2"},
		wantOut: "boot server 2 (boot-2) joined\n" +
			"it takes part in the first update (but env is test: no update starts by itself)\n" + certLine(2),
		wantStored: model.Bootserver{LRN: 2, Hostname: "boot-2", JoinedAt: testNow}},
	{name: "default hostname", args: []string{"0"},
		setup:      func(s *seeder) { s.raw("config/env", "staging") },
		wantOut:    "boot server 0 (boot-test) joined\nit takes part in the first update\n" + certLine(0),
		wantStored: model.Bootserver{LRN: 0, Hostname: "boot-test", JoinedAt: testNow}},
	{name: "during a running update", args: []string{"3", "--hostname", "boot-3"},
		setup: func(s *seeder) { s.bootservers(0, 1, 2, 10); s.current(false) },
		wantOut: "boot server 3 (boot-3) joined\nupdate 12 to 2026.11.23-1, running now, goes on without it; " +
			"it takes part from the next update (a reconfigure update once 12 completes)\n" + certLine(3),
		wantStored: model.Bootserver{LRN: 3, Hostname: "boot-3", JoinedAt: testNow}},
	{name: "after a completed update", args: []string{"3", "--hostname", "boot-3"},
		setup: func(s *seeder) {
			s.raw("config/env", "production")
			s.current(false)
			s.finished(model.ResultCompleted, time.Minute, "done")
		},
		wantOut: "boot server 3 (boot-3) joined\nit takes part from the next update, which the updater starts to " +
			"include it (a reconfigure of 2026.11.23-1 unless a newer release qualifies)\n" + certLine(3),
		wantStored: model.Bootserver{LRN: 3, Hostname: "boot-3", JoinedAt: testNow}},
	{name: "after a stopped update", args: []string{"3", "--hostname", "boot-3"},
		setup: func(s *seeder) { s.current(true); s.finished(model.ResultAborted, time.Minute, "x") },
		wantOut: "boot server 3 (boot-3) joined\n" +
			"update 12 is stopped; it takes part from the next update, after \"neco recover\"\n" + certLine(3),
		wantStored: model.Bootserver{LRN: 3, Hostname: "boot-3", JoinedAt: testNow}},
	{name: "already joined", args: []string{"2", "--hostname", "boot-2"},
		setup:      func(s *seeder) { s.bootservers(2) },
		wantOut:    "boot server 2 (boot-2) already joined\n",
		wantStored: model.Bootserver{LRN: 2, Hostname: "boot-2", JoinedAt: fixStarted.Add(-time.Hour)}},
	{name: "LRN taken by another host", args: []string{"2", "--hostname", "boot-7"},
		setup:      func(s *seeder) { s.bootservers(2) },
		wantErr:    "neco: boot server 2 is registered as boot-2; if boot-2 is gone, run \"neco leave 2\" first\n",
		wantStored: model.Bootserver{LRN: 2, Hostname: "boot-2", JoinedAt: fixStarted.Add(-time.Hour)}},
	{name: "host registered under another LRN", args: []string{"3", "--hostname", "boot-2"},
		setup:      func(s *seeder) { s.bootservers(2) },
		wantErr:    "neco: boot-2 is already registered as boot server 2; run \"neco leave 2\" first to move it\n",
		wantStored: model.Bootserver{LRN: 2, Hostname: "boot-2", JoinedAt: fixStarted.Add(-time.Hour)}},
	{name: "leading zero", args: []string{"02"},
		wantErr: "neco: LRN \"02\": want a decimal integer 0 to 65535 (0, 1, 2, ...)\n"},
	{name: "not a number", args: []string{"boot-2"},
		wantErr: "neco: LRN \"boot-2\": want a decimal integer 0 to 65535 (0, 1, 2, ...)\n"},
	{name: "hostname with a space", args: []string{"2", "--hostname", "boot 2"},
		wantErr: "neco: hostname \"boot 2\": byte 4: want letters, digits, '-', '.' or '_'\n"},
	{name: "hostname too long", args: []string{"2", "--hostname", strings.Repeat("b", 254)},
		wantErr: "neco: hostname: 254 bytes, want at most 253\n"},
	{name: "LRN too large", args: []string{"65536"},
		wantErr: "neco: LRN \"65536\": want a decimal integer 0 to 65535 (0, 1, 2, ...)\n"},
}

func TestJoin(t *testing.T) {
	for _, tt := range joinCases {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t)
			s := seed(c)
			if tt.setup != nil {
				tt.setup(s)
			}
			out, errOut, code := c.run(append([]string{"join"}, tt.args...)...)
			wantCode := 0
			if tt.wantErr != "" {
				wantCode = 1
			}
			if code != wantCode || out != tt.wantOut || errOut != tt.wantErr {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d, stdout %q, stderr %q",
					code, out, errOut, wantCode, tt.wantOut, tt.wantErr)
			}
			if tt.wantStored.Hostname == "" {
				return
			}
			var got model.Bootserver
			s.decode("bootservers/"+itoa(tt.wantStored.LRN), &got)
			if diff := cmp.Diff(tt.wantStored, got); diff != "" {
				t.Errorf("stored (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLeave(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(s *seeder)
		lrn     string
		wantOut string
		wantErr string
	}{
		{name: "registered", lrn: "10",
			setup:   func(s *seeder) { s.bootservers(0, 10) },
			wantOut: "boot server 10 (boot-10) left\nthe next update leaves it out\n"},
		{name: "taking part in the running update", lrn: "10",
			setup: func(s *seeder) { s.bootservers(0, 1, 2, 10); s.current(false) },
			wantOut: "boot server 10 (boot-10) left\nupdate 12 to 2026.11.23-1, running now, still lists it " +
				"and waits for its worker; the next update leaves it out\n"},
		{name: "not registered", lrn: "3",
			setup:   func(s *seeder) { s.bootservers(0) },
			wantErr: "neco: boot server 3 is not registered\n"},
		{name: "bad LRN", lrn: "x", wantErr: "neco: LRN \"x\": want a decimal integer 0 to 65535 (0, 1, 2, ...)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t)
			s := seed(c)
			if tt.setup != nil {
				tt.setup(s)
			}
			out, errOut, code := c.run("leave", tt.lrn)
			wantCode := 0
			if tt.wantErr != "" {
				wantCode = 1
			}
			if code != wantCode || out != tt.wantOut || errOut != tt.wantErr {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d, stdout %q, stderr %q",
					code, out, errOut, wantCode, tt.wantOut, tt.wantErr)
			}
			if _, ok := s.get("bootservers/" + tt.lrn); ok {
				t.Errorf("bootservers/%s still registered", tt.lrn)
			}
		})
	}
}
