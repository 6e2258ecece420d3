package worker

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/necoship/neco/pkg/cli"
	"github.com/necoship/neco/pkg/metrics/metricstest"
	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/storage"
)

// TestRollbackToPrevious runs N, then N+1, then `neco rollback N` through
// the real CLI, updater leader, workers and dpkg: the irreversible step of
// N+1 refuses the rollback until --force, the rollback downgrades every
// server, and the updater does not take N+1 again while it is held.
func TestRollbackToPrevious(t *testing.T) {
	const vN, vN1 = "2026.11.23-1", "2026.11.23-2"
	s := newSite(t)
	onceLog := filepath.Join(t.TempDir(), "once.log")
	servers := []int{0, 1, 2}
	s.publish(release{version: vN, plan: sitePlan(vN, 1, onceLog, "")})
	s.join(servers...)
	var nodes []*node
	for _, l := range servers {
		n := s.newNode(l)
		nodes = append(nodes, n)
		s.run(n)
	}
	s.runUpdater()
	s.waitEnd(model.ResultCompleted, time.Minute)

	s.publish(release{version: vN1, plan: sitePlan(vN1, 1, onceLog, "")})
	s.trigger.Fire()
	s.waitFor("N+1 to complete", time.Minute, completedAt(vN1, model.ReasonUpdate))

	out, errOut, code := s.neco("rollback", vN)
	if code != 1 || !strings.Contains(errOut, "irreversible once-steps: upload-contents (2026.11.23-2)") {
		t.Fatalf("rollback past an irreversible step: exit %d, stdout %q, stderr %q; want it refused naming the step", code, out, errOut)
	}
	if snap := s.snapshot(); snap.Rollback != nil || snap.Current.Version.String() != vN1 {
		t.Fatalf("a refused rollback left request %+v, current %+v", snap.Rollback, snap.Current)
	}
	if out, errOut, code := s.neco("rollback", vN, "--force"); code != 0 {
		t.Fatalf("rollback --force: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	snap := s.waitFor("the rollback to complete", time.Minute, completedAt(vN, model.ReasonRollback))
	for _, n := range nodes {
		if got, ok := installedVersion(t, n.root); !ok || got != vN {
			t.Errorf("server %d: %s installed %t at %q after the rollback, want %s", n.lrn, sitePackage, ok, got, vN)
		}
	}
	// History says who forced it, and past what.
	if out, errOut, code := s.neco("history", "--limit", "1"); code != 0 || !strings.Contains(out, "rollback --force by alice@boot-0") {
		t.Errorf("neco history: exit %d, %q %q; want the forced rollback by alice", code, out, errOut)
	}
	if acts := snap.Finished.Acts; len(acts) != 1 || !strings.Contains(acts[0].Detail, "--force past irreversible once-steps: upload-contents ("+vN1+")") {
		t.Errorf("history acts = %+v, want the forced rollback past upload-contents", acts)
	}
	if _, held := snap.Held(model.MustParseVersion(vN1)); !held {
		t.Errorf("holds after the rollback = %v, want %s held", snap.Holds, vN1)
	}
	// The once-step runs for N again: contents/ recorded N+1 last.
	if data, err := os.ReadFile(onceLog); err != nil || string(data) != vN+"\n"+vN1+"\n"+vN+"\n" {
		t.Errorf("once-step log = %q (%v), want N, N+1, N", data, err)
	}

	// Two more release checks, each followed by a decision: N+1 stays.
	before := s.releaseChecks()
	for s.releaseChecks() < before+2 {
		s.trigger.Fire()
		time.Sleep(20 * time.Millisecond)
	}
	if after := s.snapshot(); after.Current.ID != snap.Current.ID {
		t.Errorf("the updater started update %d to %s after the rollback; %s is held", after.Current.ID, after.Current.Version, vN1)
	}
}

// completedAt is true once the current update to version, started for
// reason, completed.
func completedAt(version string, r model.Reason) func(model.Snapshot) bool {
	return func(sn model.Snapshot) bool {
		return sn.Current != nil && sn.Current.Version.String() == version && sn.Current.Reason == r &&
			sn.Finished != nil && sn.Finished.Result == model.ResultCompleted
	}
}

// neco runs the CLI against the site's keys as operator alice.
func (s *site) neco(args ...string) (string, string, int) {
	var out, errOut bytes.Buffer
	code := cli.Execute(context.Background(), cli.Env{
		Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut,
		Getenv: func(k string) string { return map[string]string{"USER": "alice"}[k] },
		OpenStore: func(context.Context, string) (*storage.Storage, func(), error) {
			return s.st, func() {}, nil
		},
		Now: time.Now, Hostname: func() (string, error) { return "boot-0", nil },
	}, args)
	return out.String(), errOut.String(), code
}

func (s *site) snapshot() model.Snapshot {
	s.t.Helper()
	snap, err := s.st.Snapshot(context.Background())
	if err != nil {
		s.t.Fatal(err)
	}
	return snap
}

// releaseChecks is how many release checks the updater leader made.
func (s *site) releaseChecks() int {
	s.t.Helper()
	samples := metricstest.Scrape(s.t, s.metricsURL).Samples("neco_release_checks_total")
	i := slices.IndexFunc(samples, func(x string) bool { return strings.HasPrefix(x, "result=ok: ") })
	if i < 0 {
		return 0
	}
	n, err := strconv.Atoi(strings.TrimPrefix(samples[i], "result=ok: "))
	if err != nil {
		s.t.Fatalf("release checks %q: %v", samples[i], err)
	}
	return n
}
