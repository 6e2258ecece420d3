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

// TestBootServerRebooted is issue 24's reboot row, on one cluster: boot-1
// is rebooted twice, once just before its rolling turn (boot-0's rolling
// restart is held in progress, so boot-1 has finished step 0 and waits
// for it), once in the middle of its own rolling restart. Each time
// systemd starts boot-1's neco-worker again at boot, which resumes from
// its report in etcd: the same update completes on all three servers and
// nothing that had already run runs again.
func TestBootServerRebooted(t *testing.T) {
	// worker-timeout counts boot-1's silence while it is down; 3m keeps a
	// slow reboot on a busy machine from timing the update out, which is
	// another scenario (TestServerCutOff).
	d := newDC(t, site.Options{WorkerTimeout: 3 * time.Minute})
	victim := d.server(1)
	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"N completes", func(t *testing.T) {
			d.publish(site.Release{Version: versionN})
			d.waitEnd(versionN, "completed")
		}},
		{"rebooted just before its rolling turn", func(t *testing.T) {
			d.rebootDuringRollout(site.Release{Version: versionN1, HoldRollingOn: d.server(0).Name}, victim,
				func(st site.Status) bool { return waitsForTurn(st, victim.LRN, versionN1) })
			d.assertHistory(versionN+" completed", versionN1+" completed")
		}},
		{"rebooted during its own rolling restart", func(t *testing.T) {
			d.rebootDuringRollout(site.Release{Version: versionN2, HoldRollingOn: victim.Name}, victim, nil)
			d.assertHistory(versionN+" completed", versionN1+" completed", versionN2+" completed")
		}},
	}
	for _, step := range steps {
		// Each step starts from where the one before left the site.
		if !t.Run(step.name, func(t *testing.T) { d.t = t; step.run(t) }) {
			t.FailNow()
		}
	}
}

// rebootDuringRollout publishes r, whose rolling restart is held on the
// server r.HoldRollingOn names, and reboots victim once that restart is
// held and also, when more is not nil, once the status satisfies it. The
// hold is let go only after the boot (on the victim, after its worker has
// resumed the restart and is held in it again). Then the update must
// complete, the same one, with every step run once.
func (d *dc) rebootDuringRollout(r site.Release, victim *harness.Server, more func(site.Status) bool) {
	d.t.Helper()
	held := d.serverNamed(r.HoldRollingOn)
	since := time.Now()
	d.publish(r)
	st := d.waitHeld(held, r.Version, more)
	id := st.Update.ID
	d.t.Logf("%s's rolling restart is held; rebooting %s: %s", held.Name, victim.Name, st.Summary())
	if err := victim.Reboot(d.ctx); err != nil {
		d.t.Fatal(err)
	}
	d.assertWorkerStartedAtBoot(victim)
	if held == victim {
		// The restart was cut off by the reboot: the worker runs it again.
		st = d.waitHeld(held, r.Version, nil)
		d.t.Logf("%s's worker resumed its rolling restart after the boot: %s", victim.Name, st.Summary())
	}
	if err := site.ProceedRolling(d.ctx, held); err != nil {
		d.t.Fatal(err)
	}
	st = d.waitEnd(r.Version, "completed")
	all := []int{0, 1, 2}
	if st.Update.ID != id || !slices.Equal(st.Update.Servers, all) {
		d.t.Errorf("update %d completed on %v, want the one under way at the reboot (%d) on %v", st.Update.ID, st.Update.Servers, id, all)
	}
	d.assertRunning(r.Version, all...)
	assertInstalledReported(d.t, st, r.Version)
	d.assertRanOnce(victim, r.Version, since)
	if text := d.neco(d.server(2), "status").Stdout; !strings.Contains(text, "completed") {
		d.t.Errorf("neco status does not say the update completed:\n%s", text)
	}
}

// serverNamed is the server of hostname name.
func (d *dc) serverNamed(name string) *harness.Server {
	d.t.Helper()
	i := slices.IndexFunc(d.c.Servers, func(s *harness.Server) bool { return s.Name == name })
	if i < 0 {
		d.t.Fatalf("no server named %q", name)
	}
	return d.c.Servers[i]
}

// waitsForTurn reports whether server lrn's worker said it waits for its
// rolling turn in the update to version.
func waitsForTurn(st site.Status, lrn int, version string) bool {
	if len(st.Servers) <= lrn {
		return false
	}
	r := st.Servers[lrn].Report
	return r != nil && r.Version == version && strings.Contains(r.Message, "waiting for servers")
}

// waitHeld waits until the update to version runs, held's rolling unit
// is held in its start (its worker's restart is in progress) and more, if
// not nil, holds.
func (d *dc) waitHeld(held *harness.Server, version string, more func(site.Status) bool) site.Status {
	d.t.Helper()
	return d.waitFor(held.Name+"'s rolling restart of "+version+" to be held", updateTimeout, func(st site.Status) bool {
		if st.Update == nil || st.Update.Version != version || st.Update.State != "running" || more != nil && !more(st) {
			return false
		}
		ok, err := site.RollingHeld(d.ctx, held)
		if err != nil {
			d.t.Fatal(err)
		}
		return ok
	})
}

// assertWorkerStartedAtBoot checks that srv's neco-worker is enabled and
// came up with the boot, by systemd alone: nothing here starts it.
func (d *dc) assertWorkerStartedAtBoot(srv *harness.Server) {
	d.t.Helper()
	if s := unitProperty(d.t, d, srv, site.WorkerUnit, "UnitFileState"); s != "enabled" {
		d.t.Errorf("%s: %s is %s, want enabled", srv.Name, site.WorkerUnit, s)
	}
	// Reboot returned at multi-user.target, which comes after the
	// worker's READY (sent after its first etcd read): it is active now.
	if s := unitProperty(d.t, d, srv, site.WorkerUnit, "ActiveState"); s != "active" {
		d.t.Fatalf("%s: %s is %s after the boot, want active", srv.Name, site.WorkerUnit, s)
	}
	if n := unitProperty(d.t, d, srv, site.WorkerUnit, "NRestarts"); n != "0" {
		d.t.Errorf("%s: %s restarted %s times since the boot, want 0", srv.Name, site.WorkerUnit, n)
	}
}

// assertRanOnce checks that no step of the update to version ran twice:
// every site unit started once since since on every server (the rebooted
// one's journal keeps every boot, and the units are not enabled, so a
// boot starts none), dpkg installed version once on each, and the
// once-step ran once per version on the whole site.
func (d *dc) assertRanOnce(rebooted *harness.Server, version string, since time.Time) {
	d.t.Helper()
	boots := strings.Split(strings.TrimSpace(d.exec(rebooted, "journalctl", "--list-boots", "--no-pager", "-q").Stdout), "\n")
	if len(boots) < 2 {
		d.t.Fatalf("%s: the journal lists %d boots, want 2 or more: it does not span the reboot", rebooted.Name, len(boots))
	}
	d.assertStepsRanOnce(version, since)
}

// assertStepsRanOnce checks that no step of the update to version ran
// twice since since: every site unit started once on every server, dpkg
// installed version once on each, and the once-step ran once on the site.
func (d *dc) assertStepsRanOnce(version string, since time.Time) {
	d.t.Helper()
	for _, srv := range d.c.Servers {
		for _, unit := range site.Units {
			events, err := site.Events(d.ctx, srv, unit, since)
			if err != nil {
				d.t.Fatal(err)
			}
			starts := slices.DeleteFunc(slices.Clone(events), func(e site.UnitEvent) bool { return e.Kind != "started" })
			if len(starts) != 1 {
				d.t.Errorf("%s: %s started %d times during the update to %s, want once: %+v", srv.Name, unit, len(starts), version, events)
			}
		}
		if n := d.dpkgInstalls(srv, version); n != 1 {
			d.t.Errorf("%s: dpkg installed %s %s %d times, want once", srv.Name, site.PackageName, version, n)
		}
	}
	var got []string
	for _, r := range d.onceRuns() {
		if _, v, _ := strings.Cut(r, ":"); v == version {
			got = append(got, r)
		}
	}
	if len(got) != 1 {
		d.t.Errorf("once-step records of %s: %v, want one (all records: %v)", version, got, d.onceRuns())
	}
}

// dpkgInstalls counts the times dpkg's log in srv says it began to
// install or upgrade the site package to version: "DATE TIME install
// dct-site:amd64 <none> VERSION" or "... upgrade dct-site:amd64 OLD
// VERSION".
func (d *dc) dpkgInstalls(srv *harness.Server, version string) int {
	d.t.Helper()
	n := 0
	for _, line := range strings.Split(d.exec(srv, "cat", "/var/log/dpkg.log").Stdout, "\n") {
		f := strings.Fields(line)
		if len(f) == 6 && (f[2] == "install" || f[2] == "upgrade") &&
			(f[3] == site.PackageName || strings.HasPrefix(f[3], site.PackageName+":")) && f[5] == version {
			n++
		}
	}
	return n
}
