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

// outage is how long TestQuorumLost keeps two of the three etcd members
// down: past worker-timeout (1m) and the updaters' session TTL (10s), so
// that a rule counting silence across the outage, or a leader acting on
// a session it lost, would show.
const outage = 75 * time.Second

// TestQuorumLost is issue 24's quorum row: two of the three etcd members
// stop in the middle of a rolling step (boot-0's restart held, boot-1 and
// boot-2 waiting for their turns), and boot-0's restart finishes while
// they are down, so its worker cannot report it. neco status on boot-0
// says the quorum is lost. When the members return, the same update goes
// on and completes: nothing aborted or timed out, boot-0's report
// arrived, and no step ran twice.
func TestQuorumLost(t *testing.T) {
	d := newDC(t, site.Options{})
	since := time.Now()
	held := d.server(0)
	d.publish(site.Release{Version: versionN, HoldRollingOn: held.Name})
	st := d.waitHeld(held, versionN, func(st site.Status) bool { return waitsForTurn(st, 2, versionN) })
	id := st.Update.ID
	down := []*harness.Server{d.server(1), d.server(2)}
	for _, srv := range down {
		d.exec(srv, "systemctl", "stop", harness.EtcdUnit)
	}
	t.Logf("stopped the etcd members of boot-1 and boot-2 during update %d: %s", id, st.Summary())
	res, err := d.s.Neco(d.ctx, held, "status")
	if err == nil || !strings.Contains(res.Stderr, "none knows a leader") || !strings.Contains(res.Stderr, "quorum lost") {
		t.Errorf("neco status on %s without quorum: %v\n%s%s: want it to say the quorum is lost", held.Name, err, res.Stdout, res.Stderr)
	}
	if err := site.ProceedRolling(d.ctx, held); err != nil {
		t.Fatal(err)
	}
	// The restart finishes without etcd; the report waits for it.
	d.waitUntil(held.Name+"'s "+site.RollingUnit+" to be active once let go", time.Minute, func() (bool, string) {
		s := unitProperty(t, d, held, site.RollingUnit, "ActiveState")
		return s == "active", s
	})
	time.Sleep(outage)
	for _, srv := range down {
		d.exec(srv, "systemctl", "start", harness.EtcdUnit)
	}
	t.Log("started the members again")
	st = d.waitEnd(versionN, "completed")
	if st.Update.ID != id || !slices.Equal(st.Update.Servers, []int{0, 1, 2}) {
		t.Errorf("update %d completed on %v, want the one under way at the outage (%d) on all three", st.Update.ID, st.Update.Servers, id)
	}
	d.assertRunning(versionN, 0, 1, 2)
	assertInstalledReported(t, st, versionN)
	d.assertStepsRanOnce(versionN, since)
	h, err := d.s.History(d.ctx, d.server(0))
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 1 || h[0].ID != id || h[0].Result != "completed" {
		t.Errorf("history %+v, want update %d completed, alone", h, id)
	}
}
