//go:build dctest

package dctest

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/necoship/neco/dctest/harness"
	"github.com/necoship/neco/dctest/site"
)

// TestRollout is the life of a production site, on one cluster: a fresh
// install of N; a pre-release N+1 the production site ignores; the site
// switched to staging takes N+1. Each step is a subtest; each depends on
// the one before.
func TestRollout(t *testing.T) {
	d := newDC(t, site.Options{Env: "production"})
	all := []int{0, 1, 2}

	ok := t.Run("fresh install", func(t *testing.T) {
		d.t = t
		d.publish(site.Release{Version: versionN})
		st := d.waitEnd(versionN, "completed")
		if st.Update.Reason != "update" || !slices.Equal(st.Update.Servers, all) {
			t.Errorf("update %+v, want reason update on servers %v", st.Update, all)
		}
		d.assertRunning(versionN, all...)
		assertInstalledReported(t, st, versionN)
		rolling := d.times(site.RollingUnit)
		checkOneAtATime(t, rolling, func(ut site.UnitTimes) time.Duration { return ut.InactiveExit })
		if got := d.onceRuns(); len(got) != 1 || !strings.HasSuffix(got[0], ":"+versionN) {
			t.Errorf("once-step records %v, want exactly one run for %s", got, versionN)
		}
	})
	if !ok {
		t.FailNow()
	}

	ok = t.Run("production ignores a pre-release", func(t *testing.T) {
		d.t = t
		d.afterTwoChecks(func() { d.publish(site.Release{Version: versionN1, Prerelease: true}) })
		st, err := d.s.Status(d.ctx, d.server(0))
		if err != nil {
			t.Fatal(err)
		}
		if st.Update == nil || st.Update.Version != versionN || st.Update.State != "completed" {
			t.Errorf("production site moved: %s", st.Summary())
		}
		if st.LatestRelease == nil || st.LatestRelease.Version != versionN {
			t.Errorf("latest release seen %+v, want %s (production does not see pre-releases)", st.LatestRelease, versionN)
		}
		d.assertRunning(versionN, all...)
	})
	if !ok {
		t.FailNow()
	}

	// Stop-all is read from the journal since upgradeAt: systemd forgets
	// the timestamps of a stopped unit nothing refers to.
	var rollingBefore, anytimeBefore []site.UnitTimes
	var upgradeAt time.Time
	ok = t.Run("staging takes the pre-release", func(t *testing.T) {
		d.t = t
		rollingBefore, anytimeBefore = d.times(site.RollingUnit), d.times(site.AnytimeUnit)
		upgradeAt = time.Now()
		d.neco(d.server(1), "config", "set", "env", "staging")
		st := d.waitEnd(versionN1, "completed")
		d.assertRunning(versionN1, all...)
		assertInstalledReported(t, st, versionN1)
	})
	if !ok {
		t.FailNow()
	}

	t.Run("rolling restarts one server at a time in LRN order", func(t *testing.T) {
		d.t = t
		after := d.times(site.RollingUnit)
		checkRestarted(t, rollingBefore, after)
		checkOneAtATime(t, after, func(ut site.UnitTimes) time.Duration { return ut.ActiveExit })
	})
	t.Run("stop-all never runs two versions at once", func(t *testing.T) {
		d.t = t
		var lastStopped, firstStarted time.Time
		for _, srv := range d.c.Servers {
			events, err := site.Events(d.ctx, srv, site.StopAllUnit, upgradeAt)
			if err != nil {
				t.Fatal(err)
			}
			kinds := make([]string, len(events))
			for i, e := range events {
				kinds[i] = e.Kind
				switch {
				case e.Kind == "stopped" && e.At.After(lastStopped):
					lastStopped = e.At
				case e.Kind == "started" && (firstStarted.IsZero() || e.At.Before(firstStarted)):
					firstStarted = e.At
				}
			}
			// A Type=simple unit logs no "starting": it runs from "started".
			if want := []string{"stopping", "stopped", "started"}; !slices.Equal(kinds, want) {
				t.Errorf("%s: %s went through %v during the update, want %v", srv.Name, site.StopAllUnit, kinds, want)
			}
		}
		if !lastStopped.Before(firstStarted) {
			t.Errorf("a server started %s at %v, before the last one had stopped it at %v",
				site.StopAllUnit, firstStarted.Format(time.StampMicro), lastStopped.Format(time.StampMicro))
		}
	})
	t.Run("anytime restarted everywhere", func(t *testing.T) {
		d.t = t
		checkRestarted(t, anytimeBefore, d.times(site.AnytimeUnit))
	})
	t.Run("once-step ran exactly once per version", func(t *testing.T) {
		d.t = t
		var versions []string
		for _, r := range d.onceRuns() {
			_, v, _ := strings.Cut(r, ":")
			versions = append(versions, v)
		}
		slices.Sort(versions)
		if want := []string{versionN, versionN1}; !slices.Equal(versions, want) {
			t.Errorf("once-step records %v, want %v (one run per version)", d.onceRuns(), want)
		}
	})
	t.Run("neco rollback returns to N and holds N+1", func(t *testing.T) {
		d.t = t
		res := d.neco(d.server(2), "rollback", versionN)
		t.Logf("neco rollback %s: %s", versionN, strings.TrimSpace(res.Stdout))
		st := d.waitFor("the rollback to "+versionN+" to end", updateTimeout, func(st site.Status) bool {
			return st.Update != nil && st.Update.Reason == "rollback" && st.Ended(versionN)
		})
		if st.Update.State != "completed" || !slices.Equal(st.Update.Servers, all) {
			t.Fatalf("rollback ended %s on %v, want completed on %v: %s", st.Update.State, st.Update.Servers, all, st.Summary())
		}
		d.assertRunning(versionN, all...)
		assertInstalledReported(t, st, versionN)
		var holds struct {
			Holds []struct {
				Version string `json:"version"`
			} `json:"holds"`
		}
		if err := json.Unmarshal([]byte(d.neco(d.server(0), "hold", "list", "--json").Stdout), &holds); err != nil {
			t.Fatal(err)
		}
		if len(holds.Holds) != 1 || holds.Holds[0].Version != versionN1 {
			t.Errorf("holds after the rollback %+v, want %s alone", holds.Holds, versionN1)
		}
		d.afterTwoChecks(func() {})
		if st, err := d.s.Status(d.ctx, d.server(0)); err != nil || st.Update.Version != versionN || st.Update.Reason != "rollback" {
			t.Errorf("after two release checks the site moved (%v): %s", err, st.Summary())
		}
		d.assertRunning(versionN, all...)
	})
}

// afterTwoChecks runs act, then waits until the updater leader finished
// two release checks: the second surely saw what act changed, and the
// decision that followed the first was taken.
func (d *dc) afterTwoChecks(act func()) {
	d.t.Helper()
	leader := d.leaderServer()
	before := releaseChecks(d.t, d, leader)
	act()
	deadline := time.Now().Add(3 * site.CheckInterval)
	for releaseChecks(d.t, d, leader) < before+2 {
		if time.Now().After(deadline) {
			d.t.Fatalf("%s: fewer than 2 release checks in %v", leader.Name, 3*site.CheckInterval)
		}
		time.Sleep(time.Second)
	}
}

// checkOneAtATime checks that each server began its restart (begin) only
// after the server before it in LRN order was active again.
func checkOneAtATime(t *testing.T, times []site.UnitTimes, begin func(site.UnitTimes) time.Duration) {
	t.Helper()
	for i := 1; i < len(times); i++ {
		prev, cur := times[i-1], times[i]
		if begin(cur) == 0 || prev.ActiveEnter == 0 {
			t.Errorf("boot-%d or boot-%d has no restart recorded: %+v", i-1, i, times)
			continue
		}
		if begin(cur) <= prev.ActiveEnter {
			t.Errorf("boot-%d began restarting at %v, before boot-%d was active again at %v", i, begin(cur), i-1, prev.ActiveEnter)
		}
	}
}

// checkRestarted checks that the unit went through a stop and a start on
// every server since before.
func checkRestarted(t *testing.T, before, after []site.UnitTimes) {
	t.Helper()
	for i := range after {
		if after[i].ActiveExit <= before[i].ActiveEnter || after[i].ActiveEnter <= after[i].ActiveExit {
			t.Errorf("boot-%d: no restart after %v: %+v", i, before[i].ActiveEnter, after[i])
		}
	}
}

// assertInstalledReported checks what the workers recorded in etcd, as
// neco status shows it: the site package at version and one digest of
// the image on every server.
func assertInstalledReported(t *testing.T, st site.Status, version string) {
	t.Helper()
	digests := map[string]bool{}
	for _, s := range st.Servers {
		if got := s.Installed.Debs[site.PackageName]; got != version {
			t.Errorf("server %d: status says %s %q installed, want %s", s.LRN, site.PackageName, got, version)
		}
		d := s.Installed.Images[site.ImageName]
		if !strings.HasPrefix(d, "sha256:") {
			t.Errorf("server %d: status says image %s is %q", s.LRN, site.ImageName, d)
		}
		digests[d] = true
	}
	if len(digests) != 1 {
		t.Errorf("servers report different digests of %s: %v", site.ImageName, digests)
	}
}

// leaderServer is the server whose neco-updater leads.
func (d *dc) leaderServer() *harness.Server {
	d.t.Helper()
	st := d.waitFor("an updater leader", time.Minute, func(st site.Status) bool { return st.UpdaterLeader != nil })
	for _, srv := range d.c.Servers {
		if srv.Name == *st.UpdaterLeader {
			return srv
		}
	}
	d.t.Fatalf("updater leader %q is none of the servers", *st.UpdaterLeader)
	return nil
}

// releaseChecks is the leader's count of finished release checks, from
// its metrics endpoint (docs/metrics.md).
func releaseChecks(t *testing.T, d *dc, srv *harness.Server) float64 {
	t.Helper()
	res := d.exec(srv, "curl", "-sf", "http://127.0.0.1:10280/metrics")
	var sum float64
	for _, line := range strings.Split(res.Stdout, "\n") {
		if !strings.HasPrefix(line, "neco_release_checks_total{") {
			continue
		}
		f := strings.Fields(line)
		v, err := strconv.ParseFloat(f[len(f)-1], 64)
		if err != nil {
			t.Fatalf("%s: metrics line %q: %v", srv.Name, line, err)
		}
		sum += v
	}
	return sum
}
