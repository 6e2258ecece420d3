package cli

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // Asia/Tokyo on hosts without a zoneinfo database

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/necoship/neco/pkg/model"
)

// statusCase seeds a cluster, then checks `neco status` (lines that must
// appear, server table rows by LRN) and `neco status --json` (whole).
type statusCase struct {
	name  string
	setup func(s *seeder)
	// wantLines must each be a line of the text output ("{prefix}" is the
	// test's key prefix).
	wantLines []string
	// wantRows are rows of the server table by LRN; nil skips the check.
	wantRows map[string][]string
	// want edits baseStatus into the expected --json output.
	want func(st *statusJSON, prefix string)
}

// baseStatus is the --json output of an empty cluster, without revision.
func baseStatus() statusJSON {
	return statusJSON{
		Now:         testNow,
		Servers:     []statusServerJSON{},
		Config:      statusConfigJSON{Env: "test", Approval: "auto", ReleaseTimezone: "UTC", ReleaseWindowScope: "start"},
		InvalidKeys: []invalidKeyJSON{},
		Policy:      statusPolicyJSON{Holds: []holdJSON{}},
		Next:        &statusNextJSON{Action: "none", Reason: "env test never updates automatically"},
	}
}

func statusServer(lrn int, registered, inUpdate bool, r *statusReportJSON) statusServerJSON {
	s := statusServerJSON{LRN: lrn, InUpdate: inUpdate, Report: r,
		Installed: installedJSON{Debs: map[string]string{}, Images: map[string]string{}}}
	if registered {
		h := "boot-" + itoa(lrn)
		s.Hostname = &h
	}
	return s
}

func report(step int, name string, cond model.Cond, ago time.Duration, msg string) *statusReportJSON {
	return &statusReportJSON{Version: "2026.11.23-1", Step: step, StepName: name, Cond: string(cond), Message: msg,
		UpdatedAt: testNow.Add(-ago)}
}

func statusUpdate(state string, stop bool, elapsed time.Duration) *statusUpdateJSON {
	return &statusUpdateJSON{ID: 12, Version: "2026.11.23-1", Tag: "release-2026.11.23-1", Reason: "update",
		Servers: []int{0, 1, 2, 10}, Stop: stop, State: state, StartedAt: fixStarted,
		ElapsedSeconds: int64(elapsed / time.Second), Acts: []actJSON{}, Canaries: []int{}, Phase: "all"}
}

func ptr[T any](v T) *T { return &v }

// Notes as workers report them (deb.Result.Notes).
const (
	repairNote = "dpkg had left example-site 2026.11.23-1 install ok half-configured; repaired with dpkg --configure"
	deniedNote = "policy-rc.d denied the maintainer scripts of example-site 2026.11.23-1: example.service restart (neco restarts units in the plan's order)"
)

const digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func seedRunning(s *seeder) {
	s.bootservers(0, 1, 2, 10)
	s.leader("boot-0")
	s.current(false)
	s.json("status/barrier", model.Barrier{ID: 12, Step: 3})
	s.worker(0, 12, 3, "restart etcd.service", model.CondRunning, 12*time.Second, "")
	s.worker(1, 12, 4, "restart etcd.service", model.CondCompleted, 3*time.Second, "")
	s.worker(2, 11, 9, "old step", model.CondCompleted, time.Hour, "")
	s.worker(10, 12, 3, "restart etcd.service", model.CondRunning, time.Minute, "waiting for etcd\nquorum")
	s.raw("install/0/debs/neco", `"2026.11.23-1"`)
	s.raw("install/0/images/etcd", `"`+digest+`"`)
	s.raw("config/env", "staging")
	s.json("info/release", model.SeenRelease{Version: fixNewer, Tag: "release-2026.11.24-1", Prerelease: true,
		PublishedAt: testNow.Add(-time.Hour)})
	s.json("info/check", model.ReleaseCheck{Since: testNow.Add(-2 * time.Hour)})
}

func wantRunning(st *statusJSON, _ string) {
	st.Next = &statusNextJSON{Action: "none", Reason: "waiting for workers: 0 at step 3, 2 not reported yet, 10 at step 3"}
	st.UpdaterLeader = ptr("boot-0")
	st.Update = statusUpdate(stateRunning, false, 5*time.Minute+12*time.Second)
	st.Update.BarrierStep = ptr(3)
	st.Servers = []statusServerJSON{
		statusServer(0, true, true, report(3, "restart etcd.service", model.CondRunning, 12*time.Second, "")),
		statusServer(1, true, true, report(4, "restart etcd.service", model.CondCompleted, 3*time.Second, "")),
		statusServer(2, true, true, nil),
		statusServer(10, true, true, report(3, "restart etcd.service", model.CondRunning, time.Minute, "waiting for etcd\nquorum")),
	}
	st.Servers[0].Installed = installedJSON{Debs: map[string]string{"neco": "2026.11.23-1"}, Images: map[string]string{"etcd": digest}}
	st.Config.Env = "staging"
	st.LatestRelease = &statusReleaseJSON{Version: "2026.11.24-1", Tag: "release-2026.11.24-1", Prerelease: true,
		PublishedAt: testNow.Add(-time.Hour)}
	st.ReleaseCheck = &statusCheckJSON{OK: true, Since: testNow.Add(-2 * time.Hour)}
}

var statusCases = []statusCase{
	{
		name:  "no update yet",
		setup: func(s *seeder) { s.bootservers(0, 1); s.leader("boot-0") },
		wantLines: []string{
			"update:          none yet",
			"latest release:  none seen yet",
			"candidate:       none",
			"release check:   not recorded yet",
			"updater leader:  boot-0",
			"env:             test (never updates automatically)",
			"approval:        auto",
			"release window:  any time",
		},
		wantRows: map[string][]string{"0": {"0", "boot-0", "no", "-", "-", "-", "-"}, "1": {"1", "boot-1", "no", "-", "-", "-", "-"}},
		want: func(st *statusJSON, _ string) {
			st.UpdaterLeader = ptr("boot-0")
			st.Servers = []statusServerJSON{statusServer(0, true, false, nil), statusServer(1, true, false, nil)}
		},
	},
	{
		name:  "running with a barrier, LRN 10 after 2",
		setup: seedRunning,
		wantLines: []string{
			"update 12:       2026.11.23-1 (release-2026.11.23-1), reason update",
			"state:           running for 5m12s",
			"started:         2026-11-23 08:54:48 UTC",
			"servers:         0,1,2,10",
			"barrier:         step 3",
			"stop:            false",
			"updater next:    waiting for workers: 0 at step 3, 2 not reported yet, 10 at step 3",
			"latest release:  2026.11.24-1 (release-2026.11.24-1, pre-release), published 2026-11-23 08:00:00 UTC",
			"release check:   ok since 2026-11-23 07:00:00 UTC",
			"env:             staging",
			"installed:",
			"  LRN  DEBS               IMAGES",
			"  0    neco 2026.11.23-1  etcd sha256:0123456789ab",
		},
		wantRows: map[string][]string{
			"LRN": {"LRN", "HOST", "IN UPDATE", "STEP", "STEP NAME", "COND", "UPDATED", "MESSAGE"},
			"0":   {"0", "boot-0", "yes", "3", "restart etcd.service", "running", "12s ago"},
			"1":   {"1", "boot-1", "yes", "4", "restart etcd.service", "completed", "3s ago"},
			"2":   {"2", "boot-2", "yes", "-", "-", "no report", "-"},
			"10":  {"10", "boot-10", "yes", "3", "restart etcd.service", "running", "1m0s ago", "waiting for etcd; quorum"},
		},
		want: wantRunning,
	},
	{
		name: "workers' notes listed once for the servers that say the same",
		setup: func(s *seeder) {
			seedRunning(s)
			for _, l := range []int{0, 10} {
				notes := []string{deniedNote}
				if l == 10 {
					notes = []string{repairNote, deniedNote}
				}
				s.json("status/bootservers/"+itoa(l), model.WorkerStatus{ID: 12, Version: fixVersion, Step: 3,
					StepName: "restart etcd.service", Cond: model.CondRunning, UpdatedAt: testNow.Add(-12 * time.Second), Notes: notes})
			}
		},
		wantLines: []string{"notes:", "  0,10: " + deniedNote, "  10: " + repairNote},
		want: func(st *statusJSON, prefix string) {
			wantRunning(st, prefix)
			st.Next.Reason = "waiting for workers: 0 at step 3, 2 not reported yet, 10 at step 3"
			st.Servers[0].Report.Notes = []string{deniedNote}
			st.Servers[3].Report = report(3, "restart etcd.service", model.CondRunning, 12*time.Second, "")
			st.Servers[3].Report.Notes = []string{repairNote, deniedNote}
		},
	},
	{
		name: "completed",
		setup: func(s *seeder) {
			s.bootservers(0, 1, 2, 10)
			s.leader("boot-1")
			s.current(false)
			s.finished(model.ResultCompleted, 20*time.Minute, "completed on servers 0, 1, 2, 10")
			s.json("status/barrier", model.Barrier{ID: 11, Step: 7})
		},
		wantLines: []string{
			"state:           completed after 20m0s, at 2026-11-23 09:14:48 UTC",
			"message:         completed on servers 0, 1, 2, 10",
			"barrier:         none yet",
			"stop:            false",
		},
		want: func(st *statusJSON, _ string) {
			st.UpdaterLeader = ptr("boot-1")
			st.Update = statusUpdate("completed", false, 20*time.Minute)
			st.Update.FinishedAt = ptr(fixStarted.Add(20 * time.Minute))
			st.Update.Message = "completed on servers 0, 1, 2, 10"
			for _, l := range []int{0, 1, 2, 10} {
				st.Servers = append(st.Servers, statusServer(l, true, true, nil))
			}
		},
	},
	{
		name: "aborted with a message",
		setup: func(s *seeder) {
			s.bootservers(0, 1, 2, 10)
			s.leader("boot-0")
			s.current(true)
			s.finished(model.ResultAborted, 3*time.Minute, "worker 2: dpkg failed")
			s.worker(2, 12, 1, "install neco", model.CondAborted, 2*time.Minute, "dpkg failed")
		},
		wantLines: []string{
			"state:           aborted after 3m0s, at 2026-11-23 08:57:48 UTC",
			"message:         worker 2: dpkg failed",
			`stop:            true: nothing starts until "neco recover"`,
		},
		wantRows: map[string][]string{"2": {"2", "boot-2", "yes", "1", "install neco", "aborted", "2m0s ago", "dpkg failed"}},
		want: func(st *statusJSON, _ string) {
			st.Next = &statusNextJSON{Action: "stopped", Reason: "stopped: update 12 to 2026.11.23-1 was aborted (worker 2: dpkg failed); nothing starts until `neco recover`"}
			st.UpdaterLeader = ptr("boot-0")
			st.Update = statusUpdate("aborted", true, 3*time.Minute)
			st.Update.FinishedAt = ptr(fixStarted.Add(3 * time.Minute))
			st.Update.Message = "worker 2: dpkg failed"
			st.Servers = []statusServerJSON{statusServer(0, true, true, nil), statusServer(1, true, true, nil),
				statusServer(2, true, true, report(1, "install neco", model.CondAborted, 2*time.Minute, "dpkg failed")),
				statusServer(10, true, true, nil)}
		},
	},
	{
		name: "stopping",
		setup: func(s *seeder) {
			s.bootservers(0, 1, 2, 10)
			s.leader("boot-0")
			u := fixUpdate(true)
			u.Acts = []model.OperatorAct{{Act: model.ActAbort, By: "bob@boot-1", At: testNow.Add(-time.Minute)}}
			s.json("status/current", u)
		},
		wantLines: []string{
			"state:           stopping for 5m12s: abort requested; the updater records it as aborted",
			"stop:            true: abort requested",
			"operator:        abort by bob@boot-1 at 2026-11-23 08:59:00 UTC",
		},
		want: func(st *statusJSON, _ string) {
			st.Next = &statusNextJSON{Action: "abort", Reason: "update 12 to 2026.11.23-1 was stopped before it ended; recording it as aborted"}
			st.UpdaterLeader = ptr("boot-0")
			st.Update = statusUpdate(stateStopping, true, 5*time.Minute+12*time.Second)
			st.Update.Acts = []actJSON{{Act: "abort", By: "bob@boot-1", At: testNow.Add(-time.Minute)}}
			for _, l := range []int{0, 1, 2, 10} {
				st.Servers = append(st.Servers, statusServer(l, true, true, nil))
			}
		},
	},
	{
		name: "release check failing",
		setup: func(s *seeder) {
			s.leader("boot-0")
			s.json("info/check", model.ReleaseCheck{Error: "releases: unauthorized: Bad credentials", Since: testNow.Add(-time.Hour)})
		},
		wantLines: []string{
			"release check:   FAILING since 2026-11-23 08:00:00 UTC (1h0m0s ago): releases: unauthorized: Bad credentials",
			"no boot servers registered (neco join LRN)",
		},
		want: func(st *statusJSON, _ string) {
			st.UpdaterLeader = ptr("boot-0")
			st.ReleaseCheck = &statusCheckJSON{Error: "releases: unauthorized: Bad credentials", Since: testNow.Add(-time.Hour)}
		},
	},
	{
		name: "candidate waiting for approval",
		setup: func(s *seeder) {
			s.leader("boot-0")
			s.raw("config/env", "production")
			s.raw("config/site", "tokyo0")
			s.raw("config/approval", "manual")
			s.raw("config/release-time", "0 3 * * 1-5")
			s.raw("config/release-timezone", "Asia/Tokyo")
			s.raw("config/release-window-scope", "whole")
			s.json("info/candidate", model.Candidate{Version: fixNewer, Tag: "release-2026.11.24-1", Since: testNow.Add(-time.Hour)})
		},
		wantLines: []string{
			"candidate:       2026.11.24-1 (release-2026.11.24-1): waiting for: neco update approve 2026.11.24-1 (since " + formatTime(testNow.Add(-time.Hour)) + ")",
			"env:             production",
			"site:            tokyo0",
			"approval:        manual",
			`release window:  "0 3 * * 1-5" in Asia/Tokyo; a running update pauses outside it (release-window-scope whole)`,
		},
		want: func(st *statusJSON, _ string) {
			st.Next = &statusNextJSON{Action: "none", Reason: "no release qualifies"}
			st.UpdaterLeader = ptr("boot-0")
			st.Candidate = &statusCandidateJSON{Version: "2026.11.24-1", Tag: "release-2026.11.24-1", Since: utcOrNil(testNow.Add(-time.Hour))}
			st.Config = statusConfigJSON{Env: "production", Site: "tokyo0", Approval: "manual", ReleaseTime: "0 3 * * 1-5",
				ReleaseTimezone: "Asia/Tokyo", ReleaseWindowScope: "whole"}
		},
	},
	{
		name: "invalid keys and config",
		setup: func(s *seeder) {
			s.leader("boot-0")
			s.bootservers(0)
			s.raw("bootservers/x", "{}")
			s.raw("status/bootservers/3", "{")
			s.raw("install/0/debs/neco", `"not a version"`)
			s.raw("config/env", "prod")
		},
		wantLines: []string{
			"env:             prod",
			`config:          INVALID (the updater does nothing until it is fixed): config/env: unknown env "prod"; want production, staging, dev or test`,
			"invalid keys (ignored by neco; fix or delete them):",
			`  {prefix}bootservers/x: lrn "x": want a decimal int 0 to 65535`,
			"  {prefix}status/bootservers/3: decode: unexpected end of JSON input",
		},
		want: func(st *statusJSON, prefix string) {
			st.Next = nil
			st.UpdaterLeader = ptr("boot-0")
			st.Servers = []statusServerJSON{statusServer(0, true, false, nil)}
			st.Config = statusConfigJSON{Env: "prod", Approval: "auto", ReleaseTimezone: "UTC", ReleaseWindowScope: "start",
				Error: `config/env: unknown env "prod"; want production, staging, dev or test`}
			st.InvalidKeys = []invalidKeyJSON{
				{Key: prefix + "bootservers/x", Error: `lrn "x": want a decimal int 0 to 65535`},
				{Key: prefix + "status/bootservers/3", Error: "decode: unexpected end of JSON input"},
				{Key: prefix + "install/0/debs/neco", Error: `decode: model: invalid version "not a version": must start with a digit`},
			}
		},
	},
	{
		name: "policy: holds, pin, a release too young",
		setup: func(s *seeder) {
			s.bootservers(0)
			s.raw("config/env", "production")
			s.raw("config/min-release-age", "24h")
			s.json("info/release", model.SeenRelease{Version: fixNewer, Tag: "release-2026.11.24-1", PublishedAt: testNow.Add(-time.Hour)})
			s.json("policy/holds/2026.11.23-9", model.Hold{Version: model.MustParseVersion("2026.11.23-9"), Reason: "breaks\nDHCP", By: "alice@boot-0", At: testNow})
			s.json("policy/pin", model.Hold{Version: fixNewer, By: "bob@boot-1", At: testNow})
		},
		wantLines: []string{
			"updater next:    release 2026.11.24-1 was published 1h0m0s ago; min-release-age 24h0m0s: a candidate at 2026-11-24 08:00 UTC",
			"pinned to:       2026.11.24-1 by bob@boot-1",
			"held:            2026.11.23-9 by alice@boot-0: breaks; DHCP",
		},
		want: func(st *statusJSON, _ string) {
			st.Servers = []statusServerJSON{statusServer(0, true, false, nil)}
			st.Config.Env = "production"
			st.LatestRelease = &statusReleaseJSON{Version: "2026.11.24-1", Tag: "release-2026.11.24-1", PublishedAt: testNow.Add(-time.Hour)}
			st.Policy = statusPolicyJSON{
				Holds: []holdJSON{{Version: "2026.11.23-9", Reason: "breaks\nDHCP", By: "alice@boot-0", At: testNow}},
				Pin:   &holdJSON{Version: "2026.11.24-1", By: "bob@boot-1", At: testNow},
			}
			st.Next = &statusNextJSON{Action: "wait-release-age",
				Reason: "release 2026.11.24-1 was published 1h0m0s ago; min-release-age 24h0m0s: a candidate at 2026-11-24 08:00 UTC",
				Until:  ptr(testNow.Add(23 * time.Hour))}
		},
	},
	{
		name: "policy: a rollback request",
		setup: func(s *seeder) {
			siteAtNewer(model.ResultCompleted)(s)
			s.raw("config/env", "production")
			s.json("request/rollback", model.RollbackRequest{Version: fixVersion, Tag: "release-2026.11.23-1", From: fixNewer,
				By: "alice@boot-0", At: testNow})
		},
		wantLines: []string{
			"updater next:    starting update 13: rollback from 2026.11.24-1 to 2026.11.23-1 requested by alice@boot-0 on servers 0, 1",
			"rollback:        to 2026.11.23-1 (from 2026.11.24-1) requested by alice@boot-0 at 2026-11-23 09:00:00 UTC; the updater leader starts it",
		},
		want: func(st *statusJSON, _ string) {
			u := &statusUpdateJSON{ID: 12, Version: "2026.11.24-1", Tag: "release-2026.11.24-1", Reason: "update",
				Servers: []int{0, 1}, State: "completed", StartedAt: fixStarted, FinishedAt: ptr(fixStarted.Add(time.Minute)), ElapsedSeconds: 60,
				Acts: []actJSON{}, Canaries: []int{}, Phase: "all"}
			st.Update = u
			st.Servers = []statusServerJSON{statusServer(0, true, true, nil), statusServer(1, true, true, nil)}
			st.Config.Env = "production"
			st.Policy.Rollback = &statusRollbackJSON{Version: "2026.11.23-1", Tag: "release-2026.11.23-1", From: "2026.11.24-1",
				By: "alice@boot-0", At: testNow}
			st.Next = &statusNextJSON{Action: "start-update",
				Reason: "starting update 13: rollback from 2026.11.24-1 to 2026.11.23-1 requested by alice@boot-0 on servers 0, 1"}
		},
	},
	{
		name:  "no leader",
		setup: func(s *seeder) { s.bootservers(0) },
		wantLines: []string{
			"updater leader:  none: no neco-updater is leading; nothing advances",
		},
		want: func(st *statusJSON, _ string) {
			st.Servers = []statusServerJSON{statusServer(0, true, false, nil)}
		},
	},
	{
		// Written with etcdctl before the leader's key: older, yet ignored.
		name: "election keys without a lease",
		setup: func(s *seeder) {
			s.bootservers(0)
			s.raw("leader/updater/0000fake", "mallory")
			s.raw("leader/worker/0000fake", "mallory")
			s.leader("boot-0")
		},
		wantLines: []string{
			"updater leader:  boot-0",
			"election keys without a lease (ignored): {prefix}leader/updater/0000fake, {prefix}leader/worker/0000fake",
		},
		want: func(st *statusJSON, prefix string) {
			st.UpdaterLeader = ptr("boot-0")
			st.Servers = []statusServerJSON{statusServer(0, true, false, nil)}
			st.LeaselessElectionKeys = []string{prefix + "leader/updater/0000fake", prefix + "leader/worker/0000fake"}
		},
	},
	{
		name:  "only an election key without a lease",
		setup: func(s *seeder) { s.bootservers(0); s.raw("leader/updater/0000fake", "mallory") },
		wantLines: []string{
			"updater leader:  none: no neco-updater is leading; nothing advances",
			"election keys without a lease (ignored): {prefix}leader/updater/0000fake",
		},
		want: func(st *statusJSON, prefix string) {
			st.Servers = []statusServerJSON{statusServer(0, true, false, nil)}
			st.LeaselessElectionKeys = []string{prefix + "leader/updater/0000fake"}
		},
	},
}

func TestStatus(t *testing.T) {
	for _, tt := range statusCases {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t)
			tt.setup(seed(c))
			prefix := c.store.Prefix()

			out, errOut, code := c.run("status")
			if code != 0 || errOut != "" {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			lines := strings.Split(out, "\n")
			for i := range lines {
				lines[i] = strings.TrimRight(lines[i], " ")
			}
			for _, want := range tt.wantLines {
				want = strings.ReplaceAll(want, "{prefix}", prefix)
				if !contains(lines, want) {
					t.Errorf("no line %q in:\n%s", want, out)
				}
			}
			if tt.wantRows != nil {
				rows := tableRows(t, serverTable(out))
				for lrn, want := range tt.wantRows {
					if diff := cmp.Diff(want, rows[lrn]); diff != "" {
						t.Errorf("row %s (-want +got):\n%s\n%s", lrn, diff, out)
					}
				}
			}
			checkStatusJSON(t, c, tt)
		})
	}
}

func checkStatusJSON(t *testing.T, c *cluster, tt statusCase) {
	t.Helper()
	out, errOut, code := c.run("status", "--json")
	if code != 0 || errOut != "" {
		t.Fatalf("--json: exit %d: %s", code, errOut)
	}
	var got statusJSON
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("--json: %v\n%s", err, out)
	}
	want := baseStatus()
	tt.want(&want, c.store.Prefix())
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(statusJSON{}, "Revision")); diff != "" {
		t.Errorf("--json (-want +got):\n%s", diff)
	}
	if got.Revision <= 0 {
		t.Errorf("revision %d", got.Revision)
	}
	// Added fields are absent when empty, so older readers see nothing new.
	if len(want.LeaselessElectionKeys) == 0 && strings.Contains(out, `"leaseless_election_keys"`) {
		t.Errorf("--json has leaseless_election_keys without any")
	}
	// Arrays and objects the schema promises are never null.
	for _, field := range []string{`"servers": null`, `"invalid_keys": null`, `"debs": null`, `"images": null`} {
		if strings.Contains(out, field) {
			t.Errorf("--json has %s", field)
		}
	}
}

// serverTable is the server table of the text output: from its header to
// the first blank line.
func serverTable(out string) string {
	start := strings.Index(out, "LRN  HOST")
	if start < 0 {
		return ""
	}
	table, _, _ := strings.Cut(out[start:], "\n\n")
	return table
}

func contains(lines []string, s string) bool {
	for _, l := range lines {
		if l == s {
			return true
		}
	}
	return false
}

func TestStatusTimeout(t *testing.T) {
	c := newCluster(t)
	_, errOut, code := c.run("status", "--timeout", "1ns")
	if code != 1 || !strings.HasPrefix(errOut, "neco: status: ") ||
		!strings.HasSuffix(errOut, "context deadline exceeded (etcd did not answer within --timeout 1ns; "+
			"check the endpoints in /etc/neco/config.yml)\n") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}
