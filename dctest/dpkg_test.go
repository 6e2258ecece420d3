//go:build dctest

package dctest

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/necoship/neco/dctest/harness"
	"github.com/necoship/neco/dctest/site"
)

// policyRCD is where invoke-rc.d and deb-systemd-invoke ask before they
// start, stop or restart a unit; neco's guard stands there while the
// worker's dpkg runs (pkg/deb, policyrcd.go).
const policyRCD = "/usr/sbin/policy-rc.d"

// adminPolicy is an admin's own policy-rc.d that allows everything; the
// guard must put it back exactly.
const adminPolicy = "#!/bin/sh\n# dctest: the admin's own policy\nexit 0\n"

// TestDpkgFaults is issue 24's dpkg rows, on one cluster. boot-1 and
// boot-2 have an admin's policy-rc.d, boot-0 none. First N completes;
// then N+1's postinst is held on boot-1 while dpkg has the package
// half-configured, and the worker is killed there with its dpkg (and the
// guard in place): systemd restarts it, it takes the guard away, repairs
// the package with dpkg --configure, says so in its report, and the same
// update completes. Then N+2's postinst restarts the rolling unit as
// dh_installsystemd's does: the guard denies it on every server, and the
// rolling order holds.
func TestDpkgFaults(t *testing.T) {
	d := newDC(t, site.Options{})
	admins := []*harness.Server{d.server(1), d.server(2)}
	policies := map[string]string{}
	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"N completes", func(t *testing.T) {
			for _, srv := range admins {
				d.exec(srv, "sh", "-c", "printf '%s' \"$0\" > "+policyRCD+" && chmod 0755 "+policyRCD, adminPolicy)
				policies[srv.Name] = d.policyIdentity(srv)
			}
			d.publish(site.Release{Version: versionN})
			d.waitEnd(versionN, "completed")
			d.assertPolicies(policies)
		}},
		{"worker and dpkg killed in the postinst", func(t *testing.T) {
			d.killInPostinst(site.Release{Version: versionN1, HoldPostinstOn: d.server(1).Name}, d.server(1))
			d.assertPolicies(policies)
			d.assertHistory(versionN+" completed", versionN1+" completed")
		}},
		{"a postinst restarting its unit keeps the rolling order", func(t *testing.T) {
			d.restartInPostinst(site.Release{Version: versionN2, RestartInPostinst: true})
			d.assertPolicies(policies)
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

// killInPostinst publishes r, whose postinst holds on victim, waits until
// dpkg there has the package half-configured with neco's guard in place,
// kills the victim's neco-worker cgroup (worker, dpkg, postinst) with
// SIGKILL, lets the postinst go on, and checks that the same update
// completes with the package repaired, not installed twice, and that the
// report says what was repaired.
func (d *dc) killInPostinst(r site.Release, victim *harness.Server) {
	d.t.Helper()
	since := time.Now()
	d.publish(r)
	st := d.waitFor(victim.Name+"'s postinst of "+r.Version+" to hold", updateTimeout, func(st site.Status) bool {
		if !running(st) || st.Update.Version != r.Version {
			return false
		}
		held, err := site.PostinstHeld(d.ctx, victim)
		if err != nil {
			d.t.Fatal(err)
		}
		return held
	})
	id := st.Update.ID
	if !d.guardInPlace(victim) {
		d.t.Fatalf("%s: dpkg runs the postinst but %s is not neco's guard", victim.Name, policyRCD)
	}
	if err := victim.Kill9(d.ctx, site.WorkerUnit); err != nil {
		d.t.Fatal(err)
	}
	d.t.Logf("%s: killed neco-worker and its dpkg in the postinst of %s (update %d)", victim.Name, r.Version, id)
	d.waitNoDpkg(victim)
	if s := strings.TrimSpace(d.exec(victim, "dpkg-query", "-W", "-f=${Status}", site.PackageName).Stdout); s != "install ok half-configured" {
		d.t.Errorf("%s: after the kill %s is %q, want half-configured", victim.Name, site.PackageName, s)
	}
	if err := site.ProceedPostinst(d.ctx, victim); err != nil {
		d.t.Fatal(err)
	}
	st = d.waitEnd(r.Version, "completed")
	if st.Update.ID != id {
		d.t.Errorf("update %d completed, want the one under way at the kill (%d)", st.Update.ID, id)
	}
	if n := unitProperty(d.t, d, victim, site.WorkerUnit, "NRestarts"); n != "1" {
		d.t.Errorf("%s: neco-worker NRestarts=%s, want 1 (the kill)", victim.Name, n)
	}
	d.assertRunning(r.Version, 0, 1, 2)
	d.assertDpkgSound(r.Version)
	if n := d.dpkgInstalls(victim, r.Version); n != 1 {
		d.t.Errorf("%s: dpkg unpacked %s %s %d times, want once: the repair configures", victim.Name, site.PackageName, r.Version, n)
	}
	want := "dpkg had left " + site.PackageName + " " + r.Version + " install ok half-configured; repaired with dpkg --configure"
	d.assertNote(st, victim.LRN, want)
	if text := d.neco(d.server(0), "status").Stdout; !strings.Contains(text, "notes:") || !strings.Contains(text, want) {
		d.t.Errorf("neco status does not list the repair under notes:\n%s", text)
	}
	journal := d.exec(victim, "journalctl", "-u", site.WorkerUnit, "--no-pager", "-o", "cat",
		"--since=@"+strconv.FormatInt(since.Unix(), 10)).Stdout
	if !strings.Contains(journal, "had left its policy-rc.d guard in place") {
		d.t.Errorf("%s: the restarted worker did not log taking the killed one's guard away", victim.Name)
	}
}

// restartInPostinst publishes r, whose postinst restarts the rolling unit
// with deb-systemd-invoke on every server, and checks that dpkg restarted
// nothing: each server's rolling unit stopped and started once since the
// publish (the worker's restart), one server after the other, and every
// report says what the guard denied.
func (d *dc) restartInPostinst(r site.Release) {
	d.t.Helper()
	since := time.Now()
	d.publish(r)
	st := d.waitEnd(r.Version, "completed")
	d.assertRunning(r.Version, 0, 1, 2)
	d.assertDpkgSound(r.Version)
	for _, srv := range d.c.Servers {
		events, err := site.Events(d.ctx, srv, site.RollingUnit, since)
		if err != nil {
			d.t.Fatal(err)
		}
		kinds := make([]string, len(events))
		for i, e := range events {
			kinds[i] = e.Kind
		}
		if want := []string{"stopping", "stopped", "started"}; !slices.Equal(kinds, want) {
			d.t.Errorf("%s: %s went through %v during the update, want %v: one restart, the worker's", srv.Name, site.RollingUnit, kinds, want)
		}
		if n := d.dpkgInstalls(srv, r.Version); n != 1 {
			d.t.Errorf("%s: dpkg installed %s %d times, want once", srv.Name, r.Version, n)
		}
	}
	checkOneAtATime(d.t, d.times(site.RollingUnit), func(ut site.UnitTimes) time.Duration { return ut.ActiveExit })
	want := "policy-rc.d denied the maintainer scripts of " + site.PackageName + " " + r.Version + ": " + site.RollingUnit + " restart"
	for _, srv := range d.c.Servers {
		d.assertNote(st, srv.LRN, want)
	}
}

// assertNote checks that server lrn's last report carries a note
// beginning with want.
func (d *dc) assertNote(st site.Status, lrn int, want string) {
	d.t.Helper()
	r := st.Servers[lrn].Report
	if r == nil || !slices.ContainsFunc(r.Notes, func(n string) bool { return strings.HasPrefix(n, want) }) {
		d.t.Errorf("server %d's report %+v has no note %q", lrn, r, want)
	}
}

// assertDpkgSound checks that every server's dpkg has the site package
// installed at version and that dpkg --audit finds nothing.
func (d *dc) assertDpkgSound(version string) {
	d.t.Helper()
	for _, srv := range d.c.Servers {
		s := strings.TrimSpace(d.exec(srv, "dpkg-query", "-W", "-f=${Status} ${Version}", site.PackageName).Stdout)
		if want := "install ok installed " + version; s != want {
			d.t.Errorf("%s: dpkg says %s is %q, want %q", srv.Name, site.PackageName, s, want)
		}
		if out := strings.TrimSpace(d.exec(srv, "dpkg", "--audit").Stdout); out != "" {
			d.t.Errorf("%s: dpkg --audit says:\n%s", srv.Name, out)
		}
	}
}

// guardInPlace reports whether srv's policy-rc.d is neco's guard.
func (d *dc) guardInPlace(srv *harness.Server) bool {
	d.t.Helper()
	res, err := srv.Exec(d.ctx, "grep", "-qx", "# neco-worker policy-rc.d guard", policyRCD)
	if err != nil && res.Code != 1 && res.Code != 2 {
		d.t.Fatal(err)
	}
	return res.Code == 0
}

// waitNoDpkg waits until no dpkg and no maintainer script of the site
// package runs in srv: the kill reached them.
func (d *dc) waitNoDpkg(srv *harness.Server) {
	d.t.Helper()
	d.waitUntil(srv.Name+": dpkg to be gone after the kill", 30*time.Second, func() (bool, string) {
		res, err := srv.Exec(d.ctx, "pgrep", "-f", "^(dpkg |/bin/sh /var/lib/dpkg/info/"+site.PackageName+")")
		if err != nil && res.Code != 1 {
			d.t.Fatal(err)
		}
		return res.Code == 1, res.Stdout
	})
}

// policyIdentity is what must not change about srv's policy-rc.d while
// neco's guard comes and goes: inode, mode, size, mtime and content hash.
func (d *dc) policyIdentity(srv *harness.Server) string {
	d.t.Helper()
	return strings.TrimSpace(d.exec(srv, "sh", "-c", "stat -c '%i %a %s %Y' "+policyRCD+" && sha256sum "+policyRCD).Stdout)
}

// assertPolicies checks that the servers in want have their admin's
// policy-rc.d exactly as it was, the others none, and that no file of the
// guard is left anywhere.
func (d *dc) assertPolicies(want map[string]string) {
	d.t.Helper()
	for _, srv := range d.c.Servers {
		left := strings.TrimSpace(d.exec(srv, "sh", "-c", "ls -d "+policyRCD+".neco-* /run/neco/policy-rc.d.denied 2>/dev/null || true").Stdout)
		if left != "" {
			d.t.Errorf("%s: the guard left %s", srv.Name, left)
		}
		if id, ok := want[srv.Name]; ok {
			if got := d.policyIdentity(srv); got != id {
				d.t.Errorf("%s: %s is %q, want the admin's as it was, %q", srv.Name, policyRCD, got, id)
			}
			continue
		}
		if res, _ := srv.Exec(d.ctx, "test", "-e", policyRCD); res.Code == 0 {
			d.t.Errorf("%s: %s exists; there was none before neco's dpkg runs", srv.Name, policyRCD)
		}
	}
}
