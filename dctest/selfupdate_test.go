//go:build dctest

package dctest

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/necoship/neco/dctest/site"
)

// TestSelfUpdate is issue 24's self-update row: the release's plan needs a
// newer build of the neco package itself (its binaries rebuilt with
// another version, published in the mirror as necoship/neco's release).
// Every worker installs it through its transient unit, the new binaries
// take over (neco-worker and neco-updater run the files dpkg installed,
// not deleted ones), every server says the new version, and the update
// completes.
func TestSelfUpdate(t *testing.T) {
	d := newDC(t, site.Options{})
	base := necoDeb(t)
	out, err := exec.Command("dpkg-deb", "-f", base, "Version").Output()
	if err != nil {
		t.Fatal(err)
	}
	newer := strings.TrimSpace(string(out)) + "+selfupdate1"
	nd, err := d.s.PublishNeco(d.ctx, repoRoot(t), base, newer)
	if err != nil {
		t.Fatal(err)
	}
	d.publish(site.Release{Version: versionN, Neco: &nd})
	st := d.waitEnd(versionN, "completed")
	d.assertRunning(versionN, 0, 1, 2)
	for _, s := range st.Servers {
		if got := s.Installed.Debs["neco"]; got != newer {
			t.Errorf("server %d: status says neco %q installed, want %s", s.LRN, got, newer)
		}
	}
	for _, srv := range d.c.Servers {
		if got := strings.TrimSpace(d.neco(srv, "version").Stdout); got != newer {
			t.Errorf("%s: neco version says %q, want %s", srv.Name, got, newer)
		}
		if got := d.exec(srv, "dpkg-query", "-W", "-f=${Version}", "neco").Stdout; got != newer {
			t.Errorf("%s: dpkg says neco %q, want %s", srv.Name, got, newer)
		}
		for _, unit := range []string{site.WorkerUnit, site.UpdaterUnit} {
			pid := unitProperty(t, d, srv, unit, "MainPID")
			exe := strings.TrimSpace(d.exec(srv, "readlink", "/proc/"+pid+"/exe").Stdout)
			if strings.HasSuffix(exe, "(deleted)") || !strings.HasPrefix(exe, "/usr/bin/neco-") {
				t.Errorf("%s: %s runs %q, want the binary the new package installed", srv.Name, unit, exe)
			}
		}
	}
	h, err := d.s.History(d.ctx, d.server(0))
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 1 || h[0].Result != "completed" {
		t.Errorf("history %+v, want one update, completed", h)
	}
}
