//go:build dctest

package dctest

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/necoship/neco/dctest/harness"
	"github.com/necoship/neco/dctest/site"
)

// Versions of the test site: N and N+1.
const (
	versionN  = "2026.11.23-1"
	versionN1 = "2026.11.23-2"
)

// updateTimeout bounds one update of three servers: a release check
// (site.CheckInterval), dpkg, a pull, three rolling restarts with health
// checks, the barriers.
const updateTimeout = 3 * time.Minute

// dc is one scenario's data center: a booted cluster with neco installed.
type dc struct {
	t   *testing.T
	ctx context.Context
	c   *harness.Cluster
	s   *site.Site
}

// newDC boots a cluster and installs neco on it with o (NecoDeb, Dir and
// Logf filled in).
func newDC(t *testing.T, o site.Options) *dc {
	t.Helper()
	c := harness.New(t, harness.Options{})
	o.NecoDeb, o.Dir, o.Logf = necoDeb(t), t.TempDir(), t.Logf
	start := time.Now()
	s, err := site.Install(t.Context(), c, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("neco installed in %v", time.Since(start).Round(100*time.Millisecond))
	return &dc{t: t, ctx: t.Context(), c: c, s: s}
}

// necoDeb is the package `make deb` built: $NECO_DEB (make dctest sets
// it), else the newest build/neco_*.deb.
func necoDeb(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("NECO_DEB"); p != "" {
		return p
	}
	matches, _ := filepath.Glob(filepath.Join(repoRoot(t), "build", "neco_*.deb"))
	if len(matches) == 0 {
		t.Fatal("no neco .deb in build/: run `make deb` first (`make dctest` does), or set NECO_DEB")
	}
	slices.SortFunc(matches, func(a, b string) int { return modTime(b).Compare(modTime(a)) })
	return matches[0]
}

func modTime(path string) time.Time {
	st, err := os.Stat(path)
	if err != nil {
		return time.Time{}
	}
	return st.ModTime()
}

func (d *dc) publish(r site.Release) {
	d.t.Helper()
	if err := d.s.Publish(d.ctx, r); err != nil {
		d.t.Fatal(err)
	}
}

// server is the boot server of LRN i.
func (d *dc) server(i int) *harness.Server { return d.c.Servers[i] }

// waitFor waits until cond holds on the status read in boot-0.
func (d *dc) waitFor(what string, timeout time.Duration, cond func(site.Status) bool) site.Status {
	d.t.Helper()
	st, err := d.s.WaitFor(d.ctx, d.server(0), timeout, what, cond)
	if err != nil {
		d.t.Fatal(err)
	}
	return st
}

// waitEnd waits for the update to version to end and fails unless it
// ended in state want.
func (d *dc) waitEnd(version, want string) site.Status {
	d.t.Helper()
	st := d.waitFor("the update to "+version+" to end", updateTimeout, func(st site.Status) bool { return st.Ended(version) })
	if st.Update.State != want {
		d.t.Fatalf("update to %s ended %s, want %s: %s", version, st.Update.State, want, st.Summary())
	}
	return st
}

// exec runs argv in srv and fails the test if it fails.
func (d *dc) exec(srv *harness.Server, argv ...string) harness.Result {
	d.t.Helper()
	res, err := srv.Exec(d.ctx, argv...)
	if err != nil {
		d.t.Fatal(err)
	}
	return res
}

// neco runs the neco CLI in srv and fails the test if it fails.
func (d *dc) neco(srv *harness.Server, args ...string) harness.Result {
	d.t.Helper()
	res, err := d.s.Neco(d.ctx, srv, args...)
	if err != nil {
		d.t.Fatal(err)
	}
	return res
}

// times reads unit's times on every server, LRN order.
func (d *dc) times(unit string) []site.UnitTimes {
	d.t.Helper()
	var out []site.UnitTimes
	for _, srv := range d.c.Servers {
		ut, err := site.Times(d.ctx, srv, unit)
		if err != nil {
			d.t.Fatal(err)
		}
		out = append(out, ut)
	}
	return out
}

// assertRunning checks that every server in lrns has version installed
// and every site unit active, started with version.
func (d *dc) assertRunning(version string, lrns ...int) {
	d.t.Helper()
	for _, i := range lrns {
		srv := d.server(i)
		got, err := site.InstalledVersion(d.ctx, srv)
		if err != nil || got != version {
			d.t.Errorf("%s: %s installed: %q (%v), want %s", srv.Name, site.PackageName, got, err, version)
		}
		for _, unit := range site.Units {
			ut, err := site.Times(d.ctx, srv, unit)
			if err != nil || ut.ActiveState != "active" {
				d.t.Errorf("%s: %s is %q (%v), want active", srv.Name, unit, ut.ActiveState, err)
			}
			v, err := site.StartedVersion(d.ctx, srv, unit)
			if err != nil || v != version {
				d.t.Errorf("%s: %s started with site version %q (%v), want %s", srv.Name, unit, v, err, version)
			}
		}
	}
}

// onceRuns are the once-step's records of every server, LRN order, each
// prefixed with the server's LRN ("1:2026.11.23-1").
func (d *dc) onceRuns() []string {
	d.t.Helper()
	var all []string
	for _, srv := range d.c.Servers {
		runs, err := site.OnceRuns(d.ctx, srv)
		if err != nil {
			d.t.Fatal(err)
		}
		for _, r := range runs {
			all = append(all, srv.Name+":"+r)
		}
	}
	return all
}

// waitUntil polls cond every second until it holds, and fails the test
// after timeout, saying what it waited for and what cond last said.
func (d *dc) waitUntil(what string, timeout time.Duration, cond func() (ok bool, last string)) {
	d.t.Helper()
	for deadline := time.Now().Add(timeout); ; time.Sleep(time.Second) {
		ok, last := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("%s: not after %s (last: %s)", what, timeout, last)
		}
	}
}
