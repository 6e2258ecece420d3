//go:build dctest

package dctest

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/necoship/neco/dctest/harness"
	"github.com/necoship/neco/dctest/site"
)

// sessionTTL is the updaters' election session TTL (pkg/leader): how long
// a leader that can no longer reach etcd keeps its key.
const sessionTTL = 10 * time.Second

// deposedMsg is what the next updater in line logs when it deposes a
// leader whose heartbeats stopped (pkg/leader).
const deposedMsg = "deposed the leader: no heartbeat seen for a session TTL"

// TestLeaderPartitioned is issue 24's partition row: the updater leader's
// server loses its network mid-update while its processes live on. Its
// session's lease runs out in the majority, another server's updater
// leads, and the update goes on under it; the cut-off leader records
// nothing (its writes are fenced by its key, which is gone). When the link
// comes back the old leader follows. Every barrier moved once: no two
// updaters logged the same advance.
func TestLeaderPartitioned(t *testing.T) {
	d := newDC(t, site.Options{WorkerTimeout: 3 * time.Minute})
	since := time.Now()
	old := d.leaderServer()
	// The rolling restart is held on a server that stays connected, so
	// the update is under way across the whole partition; status is read
	// there too.
	held := d.server((old.LRN + 1) % 3)
	d.publish(site.Release{Version: versionN, HoldRollingOn: held.Name})
	st, err := d.s.WaitFor(d.ctx, held, updateTimeout, held.Name+"'s rolling restart to be held", func(st site.Status) bool {
		ok, err := site.RollingHeld(d.ctx, held)
		return err == nil && ok && running(st)
	})
	if err != nil {
		t.Fatal(err)
	}
	id := st.Update.ID
	// The hard case: the cut also takes etcd's raft leader away, whose
	// successor renews every lease as it takes over (pkg/leader,
	// heartbeat.go). Only the dead leader's missing heartbeats end its
	// term within the TTL then.
	if err := d.c.Etcd.MoveLeader(d.ctx, old.LRN); err != nil {
		t.Fatal(err)
	}
	cut := time.Now()
	if err := d.c.Network.Cut(d.ctx, old.LRN); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.c.Network.Restore(t.Context(), old.LRN) })
	t.Logf("cut %s, the updater leader, off during update %d", old.Name, id)
	st, err = d.s.WaitFor(d.ctx, held, time.Minute, "another updater to lead", func(st site.Status) bool {
		return st.UpdaterLeader != nil && *st.UpdaterLeader != old.Name
	})
	if err != nil {
		t.Fatal(err)
	}
	successor := d.serverNamed(*st.UpdaterLeader)
	took := d.firstLeading(successor, cut).Sub(cut)
	t.Logf("%s leads %s after the cut (session TTL %s)", successor.Name, took.Round(100*time.Millisecond), sessionTTL)
	// The successor deposes the old leader a TTL after it last saw a
	// heartbeat, which was before the cut; the 2 s are for the deposal,
	// the campaign's confirming read and the updater's first line.
	if bound := sessionTTL + 2*time.Second; took > bound {
		t.Errorf("%s led %s after the cut, want within %s (the session TTL + 2 s)", successor.Name, took, bound)
	}
	// With the raft leader gone too, the old leader's lease outlives this
	// bound: its missing heartbeats are what ended its term.
	log := d.updaterLog(successor, cut)
	if i := slices.IndexFunc(log, func(e updaterEntry) bool { return e.Msg == deposedMsg }); i < 0 {
		t.Errorf("%s did not log %q", successor.Name, deposedMsg)
	} else {
		t.Logf("%s deposed %s %s after the cut, having seen no heartbeat for %.1f s", successor.Name, old.Name,
			log[i].At.Sub(cut).Round(100*time.Millisecond), log[i].Silent)
	}
	if err := d.c.Network.Restore(d.ctx, old.LRN); err != nil {
		t.Fatal(err)
	}
	healed := time.Now()
	d.waitFollowing(old)
	if err := site.ProceedRolling(d.ctx, held); err != nil {
		t.Fatal(err)
	}
	st, err = d.s.WaitFor(d.ctx, held, updateTimeout, "the update to end", func(st site.Status) bool { return st.Ended(versionN) })
	if err != nil {
		t.Fatal(err)
	}
	if st.Update.State != "completed" || st.Update.ID != id || !slices.Equal(st.Update.Servers, []int{0, 1, 2}) {
		t.Errorf("update %s, want update %d completed on all three", st.Summary(), id)
	}
	d.assertRunning(versionN, 0, 1, 2)
	d.assertStepsRanOnce(versionN, since)
	if acts := d.updaterActions(old, cut, healed); len(acts) != 0 {
		t.Errorf("%s, cut off, recorded %v", old.Name, acts)
	}
	seen := map[string]string{}
	for _, srv := range d.c.Servers {
		for _, a := range d.updaterActions(srv, since, time.Now()) {
			if !strings.HasPrefix(a, "advance-barrier ") {
				continue
			}
			if other, dup := seen[a]; dup {
				t.Errorf("%q recorded by %s and %s", a, other, srv.Name)
			}
			seen[a] = srv.Name
		}
	}
	if len(seen) == 0 {
		t.Error("no barrier advance logged by any updater")
	}
}

// firstLeading is when srv's neco-updater logged that it leads, first
// after since. The election key may name it before its loop has learned
// that it won (neco status reads the key), so this waits for the line.
func (d *dc) firstLeading(srv *harness.Server, since time.Time) time.Time {
	d.t.Helper()
	var at time.Time
	d.waitUntil(fmt.Sprintf("%s's neco-updater to log \"leading\" since %s", srv.Name, since), time.Minute, func() (bool, string) {
		for _, e := range d.updaterLog(srv, since) {
			if e.Msg == "leading" {
				at = e.At
				return true, ""
			}
		}
		return false, "no such line"
	})
	return at
}

// waitFollowing waits until srv's neco-updater says it follows (its
// STATUS= line).
func (d *dc) waitFollowing(srv *harness.Server) {
	d.t.Helper()
	d.waitUntil(srv.Name+"'s neco-updater to follow after the link came back", time.Minute, func() (bool, string) {
		s := unitProperty(d.t, d, srv, site.UpdaterUnit, "StatusText")
		return strings.HasPrefix(s, "following"), s
	})
}

// recording are the decisions that write to etcd (decide.ActionKind);
// the others only wait.
var recording = []string{"start-update", "advance-barrier", "open-turns", "finish", "abort", "timeout",
	"request-rollback", "window-pause", "window-resume"}

// updaterActions are the decisions srv's neco-updater recorded (logged
// with an action field, docs/operations.md) from since to until, as
// "ACTION update ID: REASON".
func (d *dc) updaterActions(srv *harness.Server, since, until time.Time) []string {
	d.t.Helper()
	var out []string
	for _, e := range d.updaterLog(srv, since) {
		if slices.Contains(recording, e.Action) && e.At.Before(until) {
			out = append(out, fmt.Sprintf("%s update %d: %s", e.Action, e.UpdateID, e.Msg))
		}
	}
	return out
}

// updaterEntry is one JSON line of neco-updater's log.
type updaterEntry struct {
	At       time.Time
	Msg      string  `json:"msg"`
	Action   string  `json:"action"`
	UpdateID int64   `json:"update_id"`
	Silent   float64 `json:"silent"` // seconds, of a deposal
}

// updaterLog reads srv's neco-updater log since since.
func (d *dc) updaterLog(srv *harness.Server, since time.Time) []updaterEntry {
	d.t.Helper()
	var out []updaterEntry
	for _, line := range d.journalEntriesSince(srv, site.UpdaterUnit, since) {
		var e updaterEntry
		if json.Unmarshal([]byte(line.msg), &e) != nil {
			continue
		}
		e.At = line.at
		out = append(out, e)
	}
	return out
}
