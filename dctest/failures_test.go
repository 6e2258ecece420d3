//go:build dctest

package dctest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/necoship/neco/dctest/harness"
	"github.com/necoship/neco/dctest/site"
)

// slowRelease is N with a 6 MiB image behind the slow registry (1 MiB/s
// per connection): every server's prepare step takes about six seconds,
// long enough to break something while the update runs.
func (d *dc) slowRelease() site.Release {
	d.t.Helper()
	if _, err := d.s.StartSlowRegistry(d.ctx, 1<<20); err != nil {
		d.t.Fatal(err)
	}
	return site.Release{Version: versionN, ImageBytes: 6 << 20,
		ImageRegistry: d.s.SlowRegistryAddr()}
}

func running(st site.Status) bool { return st.Update != nil && st.Update.State == "running" }

// TestWorkerKilledDuringPull: a worker killed with SIGKILL while
// containerd pulls the image is restarted by systemd, resumes its step,
// and the update completes.
func TestWorkerKilledDuringPull(t *testing.T) {
	d := newDC(t, site.Options{})
	d.publish(d.slowRelease())
	victim := d.server(1)
	deadline := time.Now().Add(updateTimeout)
	for !pulling(t, d, victim) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: no image download under way within %v", victim.Name, updateTimeout)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err := victim.Kill9(d.ctx, site.WorkerUnit); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: killed neco-worker during the pull", victim.Name)
	d.waitEnd(versionN, "completed")
	if n := unitProperty(t, d, victim, site.WorkerUnit, "NRestarts"); n != "1" {
		t.Errorf("%s: neco-worker NRestarts=%s, want 1 (the kill)", victim.Name, n)
	}
	d.assertRunning(versionN, 0, 1, 2)
}

// pulling reports whether containerd in srv is downloading a blob.
func pulling(t *testing.T, d *dc, srv *harness.Server) bool {
	t.Helper()
	res := d.exec(srv, "ctr", "-n", "neco", "content", "active")
	lines := strings.Split(strings.TrimSpace(res.Stdout), "\n")
	return len(lines) > 1 // a header, then one line per download
}

// unitProperty is systemctl show -p NAME --value UNIT in srv.
func unitProperty(t *testing.T, d *dc, srv *harness.Server, unit, name string) string {
	t.Helper()
	return strings.TrimSpace(d.exec(srv, "systemctl", "show", "-p", name, "--value", unit).Stdout)
}

// TestUpdaterLeaderKilled: the leading neco-updater is killed with
// SIGKILL mid-update; another server's updater takes over once the dead
// one's lease expires and finishes the same update.
func TestUpdaterLeaderKilled(t *testing.T) {
	d := newDC(t, site.Options{})
	d.publish(d.slowRelease())
	st := d.waitFor("the update to run", updateTimeout, running)
	id := st.Update.ID
	killed := d.leaderServer()
	if err := killed.Kill9(d.ctx, site.UpdaterUnit); err != nil {
		t.Fatal(err)
	}
	t.Logf("killed the updater leader on %s during update %d", killed.Name, id)
	st = d.waitFor("another updater to lead", time.Minute, func(st site.Status) bool {
		return st.UpdaterLeader != nil && *st.UpdaterLeader != killed.Name
	})
	t.Logf("%s leads now", *st.UpdaterLeader)
	st = d.waitEnd(versionN, "completed")
	if st.Update.ID != id {
		t.Errorf("update %d completed, want the one the killed leader started (%d)", st.Update.ID, id)
	}
	d.assertRunning(versionN, 0, 1, 2)
	h, err := d.s.History(d.ctx, d.server(0))
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 1 || h[0].ID != id || h[0].Result != "completed" {
		t.Errorf("history %+v, want update %d completed only", h, id)
	}
}

// TestEtcdMemberStopped: one of the three etcd members stops mid-update;
// the quorum of two carries the update to its end, and every neco on the
// stopped member's server goes on through the other members.
func TestEtcdMemberStopped(t *testing.T) {
	d := newDC(t, site.Options{})
	d.publish(d.slowRelease())
	d.waitFor("the update to run", updateTimeout, running)
	d.exec(d.server(2), "systemctl", "stop", harness.EtcdUnit)
	t.Log("stopped the etcd member of boot-2")
	d.waitEnd(versionN, "completed")
	d.assertRunning(versionN, 0, 1, 2)
	d.exec(d.server(2), "systemctl", "start", harness.EtcdUnit)
	if _, err := d.c.Etcd.Etcdctl(d.ctx, d.server(0), "endpoint", "health"); err != nil {
		t.Errorf("etcd after restarting the member: %v", err)
	}
}

// TestServerCutOff: a boot server loses its link mid-update; its worker
// goes silent, the update times out after worker-timeout and stops
// everywhere; the operator removes the server (neco leave), root takes
// its etcd users away (neco auth setup) and the operator retries (neco
// recover); the other servers complete.
func TestServerCutOff(t *testing.T) {
	d := newDC(t, site.Options{WorkerTimeout: time.Minute})
	d.publish(d.slowRelease())
	st := d.waitFor("the update to run", updateTimeout, running)
	first := st.Update.ID
	if err := d.c.Network.Cut(d.ctx, 2); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.c.Network.Restore(t.Context(), 2) })
	t.Log("cut boot-2 off")
	st = d.waitFor("the update to stop", updateTimeout+time.Minute, func(st site.Status) bool { return st.Ended(versionN) })
	if st.Update.State != "timedout" && st.Update.State != "aborted" {
		t.Fatalf("update ended %s, want timedout or aborted: %s", st.Update.State, st.Summary())
	}
	if !st.Update.Stop || !strings.Contains(st.Update.Message, "2") {
		t.Errorf("update %d: stop %v, message %q: want stop set and server 2 named", first, st.Update.Stop, st.Update.Message)
	}
	d.neco(d.server(0), "leave", "2")
	// As after every leave (neco auth setup --help): the users and role of
	// the server that left go.
	res, err := d.s.AuthSetup(d.ctx, d.server(0))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("neco auth setup after neco leave 2:\n%s", strings.TrimRight(res.Stdout, "\n"))
	d.neco(d.server(0), "recover")
	st = d.waitFor("the retry to end", updateTimeout, func(st site.Status) bool {
		return st.Update.ID != first && st.Ended(versionN)
	})
	if st.Update.State != "completed" || !slices.Equal(st.Update.Servers, []int{0, 1}) {
		t.Fatalf("retry: %s; want completed on servers [0 1]", st.Summary())
	}
	d.assertRunning(versionN, 0, 1)
}

// TestBadChecksumRefused: a release whose .deb does not match its
// SHA256SUMS is refused by every worker before dpkg runs: the update
// aborts and nothing of the site is installed.
func TestBadChecksumRefused(t *testing.T) {
	d := newDC(t, site.Options{})
	d.publish(site.Release{Version: versionN, CorruptChecksums: true})
	st := d.waitEnd(versionN, "aborted")
	if msg := strings.ToLower(st.Update.Message); !strings.Contains(msg, "sha256") && !strings.Contains(msg, "checksum") {
		t.Errorf("abort message %q does not say the checksum did not match", st.Update.Message)
	}
	for _, srv := range d.c.Servers {
		if v, err := site.InstalledVersion(d.ctx, srv); err != nil || v != "" {
			t.Errorf("%s: %s installed %q (%v) from a refused release", srv.Name, site.PackageName, v, err)
		}
		res, _ := srv.Exec(d.ctx, "test", "-e", "/usr/share/neco/plan.yaml")
		if res.Code != 1 {
			t.Errorf("%s: /usr/share/neco/plan.yaml exists (test -e exit %d)", srv.Name, res.Code)
		}
	}
}
