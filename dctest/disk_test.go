//go:build dctest

package dctest

import (
	"strings"
	"testing"

	"github.com/necoship/neco/dctest/site"
)

// cacheDir is neco-worker's download cache (data-dir/cache).
const cacheDir = "/var/lib/neco/cache"

// TestFullDisk is issue 24's full-disk row: boot-2's download cache is a
// full file system when N+1 comes. Its worker cannot write the package,
// retries, and aborts; the update ends aborted naming server 2 and the
// cause, and nothing of N+1 reached dpkg there. Once space is freed,
// neco recover retries the update, which completes everywhere.
func TestFullDisk(t *testing.T) {
	d := newDC(t, site.Options{})
	d.publish(site.Release{Version: versionN})
	d.waitEnd(versionN, "completed")

	full := d.server(2)
	// A 64 KiB file system over the cache, filled to the last block:
	// dd stops with "No space left on device", which is the point.
	d.exec(full, "mount", "-t", "tmpfs", "-o", "size=64k", "neco-full", cacheDir)
	t.Cleanup(func() { full.Exec(t.Context(), "umount", cacheDir) })
	full.Exec(d.ctx, "dd", "if=/dev/zero", "of="+cacheDir+"/fill", "bs=4k")
	if free := strings.TrimSpace(d.exec(full, "stat", "-f", "-c", "%a", cacheDir).Stdout); free != "0" {
		t.Fatalf("%s: %s has %s blocks free after filling it", full.Name, cacheDir, free)
	}

	d.publish(site.Release{Version: versionN1})
	st := d.waitEnd(versionN1, "aborted")
	if msg := st.Update.Message; !strings.Contains(msg, "worker 2") || !strings.Contains(msg, "no space left") {
		t.Errorf("update aborted with %q, want it to name worker 2 and the full disk", msg)
	}
	if n := d.dpkgInstalls(full, versionN1); n != 0 {
		t.Errorf("%s: dpkg installed %s %d times with a full cache", full.Name, versionN1, n)
	}
	if files := strings.Fields(d.exec(full, "find", cacheDir, "-type", "f").Stdout); len(files) != 1 || files[0] != cacheDir+"/fill" {
		t.Errorf("%s: %s holds the files %v after the abort, want the filler alone (no part of a download)", full.Name, cacheDir, files)
	}
	for _, srv := range d.c.Servers {
		if out := d.exec(srv, "dpkg", "--audit").Stdout; strings.TrimSpace(out) != "" {
			t.Errorf("%s: dpkg --audit:\n%s", srv.Name, out)
		}
	}

	d.exec(full, "umount", cacheDir)
	d.neco(d.server(0), "recover")
	aborted := st.Update.ID
	st = d.waitFor("the retry of "+versionN1+" to end", updateTimeout, func(st site.Status) bool {
		return st.Update.ID != aborted && st.Ended(versionN1)
	})
	if st.Update.State != "completed" {
		t.Fatalf("the retry after freeing space: %s", st.Summary())
	}
	d.assertRunning(versionN1, 0, 1, 2)
}
