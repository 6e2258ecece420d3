package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/necoship/neco/pkg/model"
)

// commandCase is one run of a command against seeded keys: its exact
// stdout and stderr ("{prefix}" stands for the test's key prefix), and
// what the keys hold afterwards.
type commandCase struct {
	name    string
	setup   func(s *seeder)
	args    []string
	wantOut string
	wantErr string
	check   func(t *testing.T, s *seeder)
	// env is the command's environment (USER names the operator).
	env map[string]string
}

func (tt commandCase) run(t *testing.T) {
	t.Helper()
	c := newCluster(t)
	c.env = tt.env
	s := seed(c)
	if tt.setup != nil {
		tt.setup(s)
	}
	out, errOut, code := c.run(tt.args...)
	wantCode := 0
	if tt.wantErr != "" {
		wantCode = 1
	}
	wantErr := strings.ReplaceAll(tt.wantErr, "{prefix}", c.store.Prefix())
	if code != wantCode || out != tt.wantOut || errOut != wantErr {
		t.Errorf("exit %d, stdout %q, stderr %q; want exit %d, stdout %q, stderr %q",
			code, out, errOut, wantCode, tt.wantOut, wantErr)
	}
	if tt.check != nil {
		tt.check(t, s)
	}
}

// wantStop checks status/current's stop, and the operator acts recorded
// on it (by alice, at testNow).
func wantStop(stop bool, acts ...model.ActKind) func(t *testing.T, s *seeder) {
	return func(t *testing.T, s *seeder) {
		var u model.Update
		s.decode("status/current", &u)
		want := fixUpdate(stop)
		want.Acts = byAlice(acts...)
		if diff := cmp.Diff(want, u); diff != "" {
			t.Errorf("status/current (-want +got):\n%s", diff)
		}
	}
}

func byAlice(acts ...model.ActKind) []model.OperatorAct {
	var out []model.OperatorAct
	for _, a := range acts {
		out = append(out, model.OperatorAct{Act: a, By: "alice@boot-test", At: testNow})
	}
	return out
}

// alice is the environment of an operator named alice.
var alice = map[string]string{"USER": "alice"}

func TestRecover(t *testing.T) {
	for _, tt := range []commandCase{
		{name: "aborted update", setup: func(s *seeder) {
			s.current(true)
			s.finished(model.ResultAborted, time.Minute, "worker 2: dpkg failed")
		}, env: alice, wantOut: "update 12 to 2026.11.23-1: stop cleared; the updater retries it\n",
			check: func(t *testing.T, s *seeder) {
				wantStop(false, model.ActRecover)(t, s)
				var h model.HistoryEntry
				s.decode("history/00000000000000000012", &h)
				if diff := cmp.Diff(byAlice(model.ActRecover), h.Acts); diff != "" {
					t.Errorf("history acts (-want +got):\n%s", diff)
				}
			}},
		{name: "stop not recorded yet", setup: func(s *seeder) { s.current(true) }, env: alice,
			wantOut: "update 12 to 2026.11.23-1: stop cleared before the updater recorded the abort; the update runs on\n",
			check:   wantStop(false, model.ActRecover)},
		{name: "not stopped", setup: func(s *seeder) { s.current(false) },
			wantOut: "update 12 is not stopped; nothing to recover\n", check: wantStop(false)},
		{name: "no update", wantErr: "neco: no update to recover\n"},
		{name: "garbage status/current", setup: func(s *seeder) { s.raw("status/current", "{") },
			wantErr: "neco: {prefix}status/current: decode: unexpected end of JSON input " +
				"(write a good value or delete it with etcdctl)\n",
			check: func(t *testing.T, s *seeder) {
				if v, _ := s.get("status/current"); v != "{" {
					t.Errorf("status/current rewritten: %q", v)
				}
			}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.args = []string{"recover"}
			tt.run(t)
		})
	}
}

func TestUpdateApprove(t *testing.T) {
	candidate := func(approved bool) model.Candidate {
		c := model.Candidate{Version: fixNewer, Tag: "release-2026.11.24-1", Since: testNow.Add(-time.Hour)}
		if approved {
			c.Approved, c.ApprovedBy, c.ApprovedAt = true, "alice@boot-test", testNow
		}
		return c
	}
	wantCandidate := func(approved bool) func(t *testing.T, s *seeder) {
		return func(t *testing.T, s *seeder) {
			var got model.Candidate
			s.decode("info/candidate", &got)
			if diff := cmp.Diff(candidate(approved), got); diff != "" {
				t.Errorf("info/candidate (-want +got):\n%s", diff)
			}
		}
	}
	for _, tt := range []commandCase{
		{name: "waiting", args: []string{"2026.11.24-1"}, env: alice,
			setup:   func(s *seeder) { s.json("info/candidate", candidate(false)) },
			wantOut: "approved 2026.11.24-1 (release-2026.11.24-1); the update starts when the release window allows\n",
			check:   wantCandidate(true)},
		{name: "another version", args: []string{"2026.11.23-1"},
			setup:   func(s *seeder) { s.json("info/candidate", candidate(false)) },
			wantErr: "neco: 2026.11.23-1 is not waiting for approval: the candidate is 2026.11.24-1 (release-2026.11.24-1)\n",
			check:   wantCandidate(false)},
		{name: "nothing waiting", args: []string{"2026.11.24-1"},
			wantErr: "neco: no release is waiting for approval\n"},
		{name: "not a version", args: []string{"v2026"},
			wantErr: "neco: model: invalid version \"v2026\": must start with a digit\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.args = append([]string{"update", "approve"}, tt.args...)
			tt.run(t)
		})
	}
}

func TestUpdateAbort(t *testing.T) {
	finishedAt := formatTime(fixStarted.Add(time.Minute))
	for _, tt := range []commandCase{
		{name: "running", setup: func(s *seeder) { s.current(false) }, env: alice,
			wantOut: "update 12 to 2026.11.23-1: stop set; workers stop their current step and the updater " +
				"records it as aborted; run \"neco recover\" to retry\n",
			check: wantStop(true, model.ActAbort)},
		{name: "already stopping", setup: func(s *seeder) { s.current(true) },
			wantOut: "update 12 to 2026.11.23-1 is already stopping; the updater records it as aborted\n",
			check:   wantStop(true)},
		{name: "already aborted", setup: func(s *seeder) {
			s.current(true)
			s.finished(model.ResultAborted, time.Minute, "x")
		}, wantOut: "update 12 to 2026.11.23-1 is already stopped (aborted at " + finishedAt +
			"); run \"neco recover\" to retry\n", check: wantStop(true)},
		{name: "completed", setup: func(s *seeder) {
			s.current(false)
			s.finished(model.ResultCompleted, time.Minute, "done")
		}, wantErr: "neco: update 12 to 2026.11.23-1 already ended: completed at " + finishedAt + "; nothing to abort\n",
			check: wantStop(false)},
		{name: "no update", wantErr: "neco: no update to abort\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.args = []string{"update", "abort"}
			tt.run(t)
		})
	}
}
