package updater

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/notify"
)

func TestUpdateRunsThroughBarriersToHistory(t *testing.T) {
	h := newHarness(t, map[string]string{"env": "staging", "site": "tokyo0"}, []int{10, 2, 0}, "release-1.0", "release-1.1!")
	h.runUpdater("a")
	snap := h.waitFor("update started", inProgress)
	if got := snap.Current; got.ID != 1 || got.Version.String() != "1.1" || got.Tag != "release-1.1" || got.Reason != model.ReasonUpdate {
		t.Fatalf("current = %+v", got)
	}
	if diff := cmp.Diff([]int{0, 2, 10}, snap.Current.Servers); diff != "" {
		t.Errorf("servers not in numeric LRN order (-want +got):\n%s", diff)
	}
	if snap.Barrier == nil || *snap.Barrier != (model.Barrier{ID: 1, Step: 0, OpenedAt: snap.Current.StartedAt}) {
		t.Errorf("barrier = %+v", snap.Barrier)
	}
	if snap.Seen == nil || snap.Seen.Tag != "release-1.1" {
		t.Errorf("info/release = %+v", snap.Seen)
	}

	// The barrier waits for every participant.
	h.report(0, 1, 1, model.CondRunning, "")
	h.report(2, 1, 1, model.CondRunning, "")
	h.stays("barrier held for server 10", 200*time.Millisecond, func(s model.Snapshot) bool { return s.Barrier.Step == 0 })

	if done := h.completeAll(1, []int{0, 2, 10}); done.Result != model.ResultCompleted {
		t.Errorf("history = %+v", done)
	}
	if snap = h.waitFor("finished", func(s model.Snapshot) bool { return s.Finished != nil }); snap.Current.Stop {
		t.Errorf("completed update left stop set: %+v", snap.Current)
	}
	hist, invalid, err := h.st.ListHistory(context.Background())
	if err != nil || len(invalid) != 0 || len(hist) != 1 || hist[0].Result != model.ResultCompleted {
		t.Errorf("history = %+v, invalid %v, %v", hist, invalid, err)
	}
	h.stays("no second update for the same release", 200*time.Millisecond, func(s model.Snapshot) bool { return s.Current.ID == 1 })
	if diff := cmp.Diff([]notify.Kind{notify.KindStarted, notify.KindCompleted}, h.notes.kinds(2)); diff != "" {
		t.Errorf("notifications (-want +got):\n%s", diff)
	}
	for _, e := range h.notes.await(2) {
		if e.Site != "tokyo0" {
			t.Errorf("%s notification of site %q, want tokyo0 (config site)", e.Kind, e.Site)
		}
	}
}

// A failing release API is recorded in info/check for `neco status` (an
// outage must not look like "no releases"), and so is its recovery; the
// update then starts and its notification links the release.
func TestReleaseCheckOutcomeRecorded(t *testing.T) {
	h := newHarness(t, map[string]string{"env": "staging"}, []int{0}, "release-1.0")
	h.failAPI.Store(true)
	h.runUpdater("a")
	snap := h.waitFor("failed check recorded", func(s model.Snapshot) bool { return s.Check != nil && s.Check.Error != "" })
	if !strings.Contains(snap.Check.Error, "unauthorized") || !snap.Check.Since.Equal(h.clock.Now()) {
		t.Errorf("info/check = %+v, want the unauthorized error since now", snap.Check)
	}
	h.stays("nothing starts without a listing", 100*time.Millisecond, func(s model.Snapshot) bool { return s.Current == nil })

	h.failAPI.Store(false)
	h.clock.Advance(time.Minute) // the next poll
	snap = h.waitFor("recovery recorded", func(s model.Snapshot) bool { return s.Check != nil && s.Check.Error == "" })
	if !snap.Check.Since.Equal(h.clock.Now()) {
		t.Errorf("info/check since %v, want the recovering check's time %v", snap.Check.Since, h.clock.Now())
	}
	h.waitFor("update started", inProgress)
	events := h.notes.await(1)
	if len(events) != 1 || !strings.HasSuffix(events[0].ReleaseURL, "/example/site/releases/tag/release-1.0") {
		t.Errorf("started notification %+v, want a link to the release page", events)
	}
}

// A release API that does not answer must not stall a running update: the
// check runs beside the loop, which keeps advancing barriers.
func TestHangingReleaseAPIDoesNotStallUpdate(t *testing.T) {
	h := newHarness(t, map[string]string{"env": "staging"}, []int{0, 1}, "release-1.0")
	h.runUpdater("a")
	h.waitFor("update started", inProgress)
	h.hangAPI.Store(true)
	before := h.apiReqs.Load()
	h.clock.Advance(time.Minute) // a poll is due and hangs
	for deadline := time.Now().Add(5 * time.Second); h.apiReqs.Load() == before; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no release check started")
		}
	}
	if done := h.completeAll(1, []int{0, 1}); done.Result != model.ResultCompleted {
		t.Errorf("history = %+v", done)
	}
}

func TestChannelPicksPerEnv(t *testing.T) {
	for env, want := range map[string]string{"production": "1.0", "staging": "1.1"} {
		t.Run(env, func(t *testing.T) {
			h := newHarness(t, map[string]string{"env": env}, []int{0}, "release-1.0", "release-1.1!")
			h.runUpdater("a")
			if got := h.waitFor("update started", inProgress).Current.Version.String(); got != want {
				t.Errorf("%s updated to %s, want %s", env, got, want)
			}
		})
	}
}

// TestLeaderFailover kills the leading updater's session mid-update; the
// other finishes the same update, and no second status/current is ever
// written for it.
func TestLeaderFailover(t *testing.T) {
	h := newHarness(t, map[string]string{"env": "production"}, []int{0, 1}, "release-1.0")
	watcher := srv.Client(t)
	currentWrites := watcher.Watch(context.Background(), h.st.StatusCurrentKey())
	clientA, _ := h.runUpdater("a")
	h.waitFor("update started", inProgress)
	h.runUpdater("b")

	// Crash a: revoke its session lease, as an expired session would.
	resp, err := clientA.Get(context.Background(), h.st.LeaderUpdaterKey(), clientv3.WithPrefix(), clientv3.WithSort(clientv3.SortByCreateRevision, clientv3.SortAscend))
	if err != nil || len(resp.Kvs) == 0 {
		t.Fatalf("no leader key: %v", err)
	}
	if string(resp.Kvs[0].Value) != "a" {
		t.Fatalf("leader is %q, want a", resp.Kvs[0].Value)
	}
	if _, err := clientA.Revoke(context.Background(), clientv3.LeaseID(resp.Kvs[0].Lease)); err != nil {
		t.Fatal(err)
	}

	if done := h.completeAll(1, []int{0, 1}); done.Result != model.ResultCompleted {
		t.Fatalf("history = %+v", done)
	}
	h.stays("settled", 200*time.Millisecond, func(s model.Snapshot) bool { return s.Current.ID == 1 })
	ids := map[int64]int{}
	timeout := time.After(time.Second)
collect:
	for {
		select {
		case wr := <-currentWrites:
			for _, ev := range wr.Events {
				var u struct{ ID int64 }
				if err := json.Unmarshal(ev.Kv.Value, &u); err != nil {
					t.Fatal(err)
				}
				ids[u.ID]++
			}
		case <-timeout:
			break collect
		}
	}
	if len(ids) != 1 || ids[1] == 0 {
		t.Errorf("status/current writes by update id: %v; want only update 1", ids)
	}
}

func TestWorkerErrorAbortsThenRecoverRetries(t *testing.T) {
	h := newHarness(t, map[string]string{"env": "production"}, []int{0, 1}, "release-1.0")
	h.runUpdater("a")
	h.waitFor("update started", inProgress)
	h.report(0, 1, 1, model.CondRunning, "")
	h.report(1, 1, 0, model.CondAborted, "dpkg -i failed: exit status 1")
	snap := h.waitFor("aborted", func(s model.Snapshot) bool { return s.Finished != nil })
	if snap.Finished.Result != model.ResultAborted || !snap.Current.Stop || !strings.Contains(snap.Finished.Message, "dpkg -i failed") {
		t.Fatalf("finished = %+v, current = %+v", snap.Finished, snap.Current)
	}
	h.stays("stopped until recover", 200*time.Millisecond, func(s model.Snapshot) bool { return s.Current.ID == 1 })

	if _, err := h.st.Recover(context.Background(), model.OperatorAct{Act: model.ActRecover, By: "test"}); err != nil {
		t.Fatal(err)
	}
	snap = h.waitFor("retry", func(s model.Snapshot) bool { return s.Current.ID == 2 && s.Finished == nil })
	if snap.Current.Version.String() != "1.0" || snap.Current.Stop {
		t.Errorf("retry = %+v", snap.Current)
	}
	if done := h.completeAll(2, []int{0, 1}); done.Result != model.ResultCompleted {
		t.Errorf("retry history = %+v", done)
	}
	if diff := cmp.Diff([]notify.Kind{notify.KindStarted, notify.KindAborted, notify.KindStarted, notify.KindCompleted}, h.notes.kinds(4)); diff != "" {
		t.Errorf("notifications (-want +got):\n%s", diff)
	}
}

func TestSilentWorkerTimesOut(t *testing.T) {
	h := newHarness(t, map[string]string{"env": "production", "worker-timeout": "5m"}, []int{0, 1, 2}, "release-1.0")
	h.runUpdater("a")
	h.waitFor("update started", inProgress)
	h.report(0, 1, 1, model.CondRunning, "")
	h.report(1, 1, 1, model.CondRunning, "")
	h.clock.Advance(4 * time.Minute)
	h.stays("not yet timed out", 150*time.Millisecond, inProgress)
	h.clock.Advance(2 * time.Minute)
	snap := h.waitFor("timed out", func(s model.Snapshot) bool { return s.Finished != nil })
	if snap.Finished.Result != model.ResultTimedOut || !snap.Current.Stop || !strings.Contains(snap.Finished.Message, "2") {
		t.Errorf("finished = %+v, current = %+v", snap.Finished, snap.Current)
	}
}

func TestManualApproval(t *testing.T) {
	h := newHarness(t, map[string]string{"env": "production", "approval": "manual", "site": "tokyo0"}, []int{0}, "release-1.0")
	h.runUpdater("a")
	snap := h.waitFor("candidate recorded", func(s model.Snapshot) bool { return s.Candidate != nil })
	if snap.Candidate.Version.String() != "1.0" || snap.Candidate.Approved {
		t.Fatalf("candidate = %+v", snap.Candidate)
	}
	h.stays("waiting for approval", 200*time.Millisecond, func(s model.Snapshot) bool { return s.Current == nil })
	events := h.notes.await(1)
	if len(events) != 1 || events[0].Kind != notify.KindAwaitingApproval || events[0].Version != "1.0" ||
		events[0].Message != "approve with: neco update approve 1.0" || events[0].Site != "tokyo0" {
		t.Errorf("notifications %+v, want one announcing that 1.0 of site tokyo0 awaits neco update approve 1.0", events)
	}
	approvedAt := time.Now().UTC().Truncate(time.Second)
	if _, err := h.st.ApproveCandidate(context.Background(), model.MustParseVersion("1.0"), "alice@boot-0", approvedAt); err != nil {
		t.Fatal(err)
	}
	snap = h.waitFor("approved update started", inProgress)
	acts := snap.Current.Acts
	if len(acts) != 1 || acts[0].Act != model.ActApprove || acts[0].By != "alice@boot-0" || !acts[0].At.Equal(approvedAt) ||
		!strings.HasPrefix(acts[0].Detail, "waiting since ") {
		t.Errorf("acts of the started update %+v, want alice's approval at %s", acts, approvedAt)
	}
	if kinds := h.notes.kinds(2); len(kinds) != 2 || kinds[1] != notify.KindStarted {
		t.Errorf("notifications %v, want awaiting-approval once, then started", kinds)
	}
}

func TestReleaseWindowInTimeZone(t *testing.T) {
	h := newHarness(t, map[string]string{"env": "production", "release-time": "* 9 * * *", "release-timezone": "Asia/Tokyo"},
		[]int{0}, "release-1.0")
	h.clock.now = time.Date(2026, 11, 23, 8, 30, 0, 0, time.FixedZone("JST", 9*3600)) // 08:30 JST
	h.runUpdater("a")
	h.stays("outside the window", 300*time.Millisecond, func(s model.Snapshot) bool { return s.Current == nil })
	h.clock.Advance(31 * time.Minute) // 09:01 JST
	h.waitFor("update in the window", inProgress)
}

func TestJoinDuringUpdateReconfiguresAfterwards(t *testing.T) {
	h := newHarness(t, map[string]string{"env": "production"}, []int{0, 1}, "release-1.0")
	h.runUpdater("a")
	h.waitFor("update started", inProgress)
	h.join(2)
	done := h.completeAll(1, []int{0, 1})
	if diff := cmp.Diff([]int{0, 1}, done.Servers); diff != "" {
		t.Errorf("a server joined mid-update took part (-want +got):\n%s", diff)
	}
	snap := h.waitFor("reconfigure", func(s model.Snapshot) bool { return s.Current.ID == 2 })
	if snap.Current.Reason != model.ReasonReconfigure || !cmp.Equal([]int{0, 1, 2}, snap.Current.Servers) {
		t.Errorf("reconfigure = %+v", snap.Current)
	}
}

func TestGarbageKeysAreLoggedAndSkipped(t *testing.T) {
	h := newHarness(t, map[string]string{"env": "prod"}, []int{0}, "release-1.0")
	ctx := context.Background()
	client := srv.Client(t)
	for key, val := range map[string]string{
		h.st.Prefix() + "bootservers/abc": `{"lrn":1}`,
		h.st.WorkerStatusKey(0):           `{`,
		h.st.StatusBarrierKey():           `null`,
		h.st.Prefix() + "info/candidate":  `[]`,
	} {
		if _, err := client.Put(ctx, key, val); err != nil {
			t.Fatal(err)
		}
	}
	h.runUpdater("a")
	deadline := time.Now().Add(5 * time.Second)
	for !logged(h, "config/env") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if !logged(h, "config/env") {
		t.Fatal("bad config/env not logged by name")
	}
	for _, key := range []string{"bootservers/abc", "status/bootservers/0", "status/barrier", "info/candidate"} {
		if !logged(h, key) {
			t.Errorf("garbage in %s not logged by name", key)
		}
	}
	// The loop keeps running: fixing the config lets the update start.
	if err := h.st.PutConfig(ctx, "env", "production", model.ConfigAuthor{By: "test", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	h.waitFor("update after fixing config", inProgress)
}

func logged(h *harness, key string) bool {
	for _, e := range h.logs.All() {
		if strings.Contains(fmt.Sprint(e.ContextMap()), key) || strings.Contains(e.Message, key) {
			return true
		}
	}
	return false
}
