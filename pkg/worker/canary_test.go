package worker

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/necoship/neco/pkg/config"
	"github.com/necoship/neco/pkg/decide"
	"github.com/necoship/neco/pkg/model"
)

// TestCanaryKeepsABadReleaseOnOneServer: with canary 1, a release whose
// site package's postinst fails aborts on server 0, and servers 1 and 2
// never download it nor give anything to dpkg: they stay on the release
// before, as they were.
func TestCanaryKeepsABadReleaseOnOneServer(t *testing.T) {
	const good, bad = "2026.11.23-1", "2026.11.23-2"
	s, nodes := completedSite(t, good, 0, 1, 2)
	installs := make([]int64, len(nodes))
	for i, n := range nodes {
		installs[i] = n.dpkgInstalls.Load()
	}

	s.setConfig("canary", "1")
	s.publish(release{version: bad, postinst: "#!/bin/sh\necho postinst of the bad release fails >&2\nexit 1\n"})
	s.trigger.Fire()
	snap := s.waitFor("the update to "+bad+" to end", time.Minute, func(snap model.Snapshot) bool {
		return snap.Current != nil && snap.Current.Version.String() == bad && snap.Finished != nil
	})
	if snap.Finished.Result != model.ResultAborted || !strings.Contains(snap.Finished.Message, "worker 0") {
		t.Errorf("update to %s ended %s (%s), want aborted by worker 0", bad, snap.Finished.Result, snap.Finished.Message)
	}
	if got := snap.Current.Canaries; len(got) != 1 || got[0] != 0 {
		t.Errorf("canaries %v, want [0]", got)
	}
	for i, n := range nodes[1:] {
		lrn := i + 1
		if v, _ := installedVersion(t, n.root); v != good {
			t.Errorf("server %d has %q installed, want %s", lrn, v, good)
		}
		if got := n.dpkgInstalls.Load(); got != installs[lrn] {
			t.Errorf("server %d ran dpkg -i %d times for the bad release, want never", lrn, got-installs[lrn])
		}
		if files := downloadsOf(t, n.cache, bad); len(files) > 0 {
			t.Errorf("server %d downloaded %v", lrn, files)
		}
		if w, ok := snap.Workers[lrn]; ok && w.ID == snap.Current.ID {
			t.Errorf("server %d reported %+v for the bad release", lrn, w)
		}
	}
	if got := nodes[0].dpkgInstalls.Load(); got == installs[0] {
		t.Error("server 0, the canary, never tried the bad release")
	}
}

// downloadsOf lists the files under dir whose name mentions version.
func downloadsOf(t *testing.T, dir, version string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && strings.Contains(d.Name(), version) {
			out = append(out, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCanaryRunsFirstThenTheRest: with canary 1 the canary runs every
// service step before the other servers start, even the stop-all and
// anytime ones that otherwise run everywhere at once; the once-step runs
// once, after all servers; the update completes.
func TestCanaryRunsFirstThenTheRest(t *testing.T) {
	s := newSite(t)
	const v = "2026.11.23-1"
	onceLog := filepath.Join(t.TempDir(), "once.log")
	s.setConfig("canary", "1")
	s.publish(release{version: v, plan: sitePlan(v, 1, onceLog, "")})
	s.join(0, 1, 2)
	for _, lrn := range []int{0, 1, 2} {
		s.run(s.newNode(lrn))
	}
	s.runUpdater()
	snap := s.waitEnd(model.ResultCompleted, time.Minute)
	if got := snap.Current.Canaries; len(got) != 1 || got[0] != 0 {
		t.Errorf("canaries %v, want [0]", got)
	}
	// The canary's last service step ended before any other server's
	// first one began.
	canaryEnd := time.Time{}
	restStart := time.Now()
	for _, ev := range append(append(s.events.of("restart", "etcd.service"), s.events.of("stop", "cke.service")...),
		append(s.events.of("start", "cke.service"), s.events.of("restart", "sabakan.service")...)...) {
		switch {
		case ev.LRN == 0 && ev.End.After(canaryEnd):
			canaryEnd = ev.End
		case ev.LRN != 0 && ev.Start.Before(restStart):
			restStart = ev.Start
		}
	}
	if !canaryEnd.Before(restStart) {
		t.Errorf("the canary's service steps ended at %s, after the others' began at %s", canaryEnd.Format(time.StampMicro), restStart.Format(time.StampMicro))
	}
	if n := len(s.events.of("restart", "sabakan.service")); n != 3 {
		t.Errorf("sabakan.service restarted %d times, want once per server", n)
	}
	b, err := os.ReadFile(onceLog)
	if err != nil || string(b) != v+"\n" {
		t.Errorf("once-step log %q (%v), want one run for %s", b, err, v)
	}
}

// TestAutomaticRollbackOfACanary: with canary 1 and on-failure rollback,
// a release whose postinst fails on the canary is rolled back there by
// itself: server 0 is on the release before again (a real dpkg
// downgrade), the failed version is held with the reason, the rollback is
// in history as automatic, and servers 1 and 2 never saw the bad release.
func TestAutomaticRollbackOfACanary(t *testing.T) {
	const good, bad = "2026.11.23-1", "2026.11.23-2"
	s, nodes := completedSite(t, good, 0, 1, 2)
	s.setConfig("canary", "1", "on-failure", "rollback")
	s.publish(release{version: bad, postinst: "#!/bin/sh\nexit 1\n"})
	s.trigger.Fire()
	snap := s.waitFor("the automatic rollback to end", 2*time.Minute, func(snap model.Snapshot) bool {
		cur := snap.Current
		return cur != nil && cur.Reason == model.ReasonRollback && snap.Finished != nil
	})
	cur := snap.Current
	if snap.Finished.Result != model.ResultCompleted || cur.Version.String() != good || len(cur.Servers) != 1 || cur.Servers[0] != 0 {
		t.Errorf("rollback update %+v ended %s, want a completed rollback to %s on server 0", *cur, snap.Finished.Result, good)
	}
	if why := decide.AutomaticRollback(*cur); !strings.Contains(why, "update 2 to "+bad+" was aborted") {
		t.Errorf("rollback act %+v: not an automatic rollback of update 2", cur.Acts)
	}
	if h, ok := snap.Holds[bad]; !ok || !strings.HasPrefix(h.Reason, "rolled back automatically: ") {
		t.Errorf("holds %+v, want %s held as rolled back automatically", snap.Holds, bad)
	}
	for lrn, n := range nodes {
		if v, _ := installedVersion(t, n.root); v != good {
			t.Errorf("server %d has %q installed, want %s", lrn, v, good)
		}
	}
	for _, n := range nodes[1:] {
		if files := downloadsOf(t, n.cache, bad); len(files) > 0 {
			t.Errorf("server %d downloaded %v", n.lrn, files)
		}
	}
}

// TestNoAutomaticRollbackPastAnIrreversibleStep: with on-failure
// rollback, an update whose irreversible once-step started and then failed
// is not rolled back by itself: the site stays stopped for a person, and
// the updater says why.
func TestNoAutomaticRollbackPastAnIrreversibleStep(t *testing.T) {
	const good, bad = "2026.11.23-1", "2026.11.23-2"
	s, _ := completedSite(t, good, 0)
	s.setConfig("on-failure", "rollback")
	s.publish(release{version: bad, plan: "version: " + bad + "\nonce:\n  - {name: migrate, exec: [/bin/false], irreversible: true}\n"})
	s.trigger.Fire()
	snap := s.waitFor("the update to "+bad+" to abort with its migration recorded", time.Minute, func(sn model.Snapshot) bool {
		cur := sn.Current
		return cur != nil && sn.Finished != nil &&
			(cur.Version.String() == bad && len(sn.Irreversible) == 1 || cur.Reason == model.ReasonRollback)
	})
	if snap.Current.Reason == model.ReasonRollback {
		t.Fatalf("rolled back past an irreversible step: %+v", *snap.Current)
	}
	if snap.Finished.Result != model.ResultAborted {
		t.Fatalf("update to %s ended %s, want aborted", bad, snap.Finished.Result)
	}
	// The updater decides on every change and tick (50ms here): a request
	// it would write appears within this window; none must.
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		sn, err := s.st.Snapshot(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if sn.Rollback != nil || sn.Current.ID != snap.Current.ID {
			t.Fatalf("rolled back past an irreversible step: request %+v, current %+v", sn.Rollback, *sn.Current)
		}
		time.Sleep(100 * time.Millisecond)
	}
	cfg, _, err := config.ParseCluster(snap.Config)
	if err != nil {
		t.Fatal(err)
	}
	a := decide.NextAction(decide.UpdaterInput{Snapshot: snap, Config: cfg, Now: time.Now()})
	if a.Kind != decide.ActionStopped || !strings.Contains(a.Reason, "no automatic rollback: irreversible once-steps started for "+bad+" (migrate") {
		t.Errorf("the updater says %s: %q, want stopped saying why no automatic rollback", a.Kind, a.Reason)
	}
}
