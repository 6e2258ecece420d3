//go:build dctest

package dctest

import (
	"fmt"
	"testing"
	"time"

	"github.com/necoship/neco/dctest/site"
	"github.com/necoship/neco/pkg/daemon"
)

// skew is how far boot-2's clock runs ahead in TestClockSkew.
const skew = 5 * time.Minute

// TestClockSkew is issue 24's clock row: boot-2's clock runs 5 minutes
// ahead (its daemons' clock, moved by NECO_TEST_CLOCK_OFFSET: the
// machines share the host's wall clock) and its neco-updater leads. The
// leader compares times on its own clock only (docs/decide.md, "Which
// clock"), so with worker-timeout 2m, min-release-age 1m and a rolling
// soak of 20 s: the release waits its minute after its publication
// (GitHub's clock, the mirror's Date header), no server times out though
// every report the other two write is 5 minutes old by the leader's
// clock, and each rolling restart soaks its 20 s before the next server's.
// Counting from the workers' times, the release would be taken at once,
// boot-0 and boot-1 would time out at once, and the soak would be skipped.
func TestClockSkew(t *testing.T) {
	// 2m: under the skew, and over a waiting server's heartbeat (1m).
	d := newDC(t, site.Options{WorkerTimeout: 2 * time.Minute})
	d.publish(site.Release{Version: versionN})
	d.waitEnd(versionN, "completed")

	ahead := d.server(2)
	for _, unit := range []string{site.UpdaterUnit, site.WorkerUnit} {
		dropIn := fmt.Sprintf("[Service]\nEnvironment=%s=%s\n", daemon.ClockOffsetEnv, skew)
		if err := ahead.WriteFile(d.ctx, "/etc/systemd/system/"+unit+".d/clock.conf", []byte(dropIn), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	d.exec(ahead, "systemctl", "daemon-reload")
	d.exec(ahead, "systemctl", "restart", site.UpdaterUnit, site.WorkerUnit)
	for _, srv := range []int{0, 1} {
		d.exec(d.server(srv), "systemctl", "stop", site.UpdaterUnit)
	}
	d.waitFor(ahead.Name+"'s updater to lead", time.Minute, func(st site.Status) bool {
		return st.UpdaterLeader != nil && *st.UpdaterLeader == ahead.Name
	})
	const minAge, soak = time.Minute, 20 * time.Second
	d.neco(d.server(0), "config", "set", "min-release-age", minAge.String())

	published := time.Now()
	d.publish(site.Release{Version: versionN1, RollingSoak: soak})
	st := d.waitFor("the update to "+versionN1+" to start", updateTimeout, func(st site.Status) bool {
		return st.Update != nil && st.Update.Version == versionN1
	})
	// started_at is the leader's clock; the Date header has a resolution
	// of a second.
	if started := st.Update.StartedAt.Add(-skew); started.Before(published.Add(minAge - 2*time.Second)) {
		t.Errorf("the update started %s after the publication (by the host's clock), before min-release-age %s", started.Sub(published).Round(time.Second), minAge)
	}
	d.waitEnd(versionN1, "completed")
	d.assertRunning(versionN1, 0, 1, 2)
	times := d.times(site.RollingUnit)
	for i := 1; i < len(times); i++ {
		if gap := times[i].ActiveExit - times[i-1].ActiveEnter; gap < soak {
			t.Errorf("boot-%d's rolling restart began %s after boot-%d's was active again, before its soak of %s", i, gap, i-1, soak)
		}
	}
}
