package decide

import (
	"math"
	"testing"
	"time"

	_ "time/tzdata" // Asia/Tokyo on hosts without a zoneinfo database

	"github.com/google/go-cmp/cmp"
	"github.com/necoship/neco/pkg/model"
)

func TestNextAction(t *testing.T) {
	prod := cluster(t, "env", "production")
	fast := cluster(t, "env", "production", "worker-timeout", "5m")
	manual := cluster(t, "env", "staging", "approval", "manual")
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	// 03:xx JST every day; 12:00 JST is 03:00 UTC, so evaluating the
	// window in the wrong zone opens it.
	daily := cluster(t, "env", "production", "release-time", "* 3 * * *", "release-timezone", "Asia/Tokyo")
	weekdays := cluster(t, "env", "production", "release-time", "0 3 * * 1-5", "release-timezone", "Asia/Tokyo")
	twice := cluster(t, "env", "production", "release-time", "0 3 * * *; 30 1 * * *", "release-timezone", "Asia/Tokyo")
	manualDaily := cluster(t, "env", "production", "approval", "manual", "release-time", "* 3 * * *", "release-timezone", "Asia/Tokyo")
	noonTokyo := time.Date(2026, 11, 24, 12, 0, 0, 0, tokyo) // a Tuesday

	cur := current(v9, 1, 2)
	cur3 := current(v9, 1, 2, 10)

	tests := []struct {
		name string
		in   UpdaterInput
		want Action
	}{
		// Stopped updates.
		{name: "stopped after abort waits for recover",
			in: input(prod, release(v10), snap(registered(1, 2), withCurrent(v9, 1, 2), stopped(), finished(model.ResultAborted, "worker 2: dpkg failed"))),
			want: Action{Kind: ActionStopped,
				Reason: "stopped: update 7 to 2026.11.23-9 was aborted (worker 2: dpkg failed); nothing starts until `neco recover`"}},
		{name: "stopped after timeout waits for recover",
			in: input(prod, release(v10), snap(registered(1, 2), withCurrent(v9, 1, 2), stopped(), finished(model.ResultTimedOut, ""))),
			want: Action{Kind: ActionStopped,
				Reason: "stopped: update 7 to 2026.11.23-9 timed out; nothing starts until `neco recover`"}},
		{name: "stop without history is recorded as aborted",
			in: input(prod, release(v10), snap(registered(1, 2), withCurrent(v9, 1, 2), stopped(), worker(1, 1, model.CondRunning))),
			want: Action{Kind: ActionAbort, Update: ended(cur), History: history(cur, model.ResultAborted, "stopped before it ended"),
				Reason: "update 7 to 2026.11.23-9 was stopped before it ended; recording it as aborted"}},

		// Running updates: failures first.
		{name: "abort beats timeout and finish",
			in: input(prod, release(v10), snap(registered(1, 2, 10), withCurrent(v9, 1, 2, 10), withBarrier(curID, 3),
				worker(1, 5, model.CondCompleted),
				worker(2, 3, model.CondAborted, saying("dpkg failed")),
				worker(10, 0, model.CondRunning, reportedAt(now.Add(-time.Hour))))),
			want: Action{Kind: ActionAbort, Update: ended(cur3), History: history(cur3, model.ResultAborted, "worker 2: dpkg failed"),
				Reason: "worker 2 aborted at step 3: dpkg failed"}},
		{name: "lowest aborted LRN numerically, not in etcd key order",
			in: input(prod, nil, snap(registered(1, 2, 10), withCurrent(v9, 1, 2, 10), withBarrier(curID, 0),
				worker(10, 0, model.CondAborted, saying("pull failed")),
				worker(2, 1, model.CondAborted))),
			want: Action{Kind: ActionAbort, Update: ended(cur3), History: history(cur3, model.ResultAborted, "worker 2: no message"),
				Reason: "worker 2 aborted at step 1: no message"}},
		{name: "aborted report of an earlier update is ignored",
			in: input(prod, nil, snap(registered(1, 2), withCurrent(v9, 1, 2), withBarrier(curID, 0),
				worker(1, 0, model.CondRunning),
				worker(2, 4, model.CondAborted, forUpdate(curID-1), reportedAt(now.Add(-time.Hour))))),
			want: Action{Kind: ActionNone, Reason: "waiting for workers: 1 at step 0, 2 not reported yet"}},
		{name: "timeout beats finish; completed workers are never silent",
			in: input(prod, nil, snap(registered(1, 2), withCurrent(v9, 1, 2), withBarrier(curID, 1),
				worker(1, 4, model.CondCompleted, reportedAt(now.Add(-2*time.Hour))),
				worker(2, 1, model.CondRunning, reportedAt(now.Add(-31*time.Minute))))),
			want: Action{Kind: ActionTimeout, Update: ended(cur), History: history(cur, model.ResultTimedOut, "no progress for 30m0s from workers 2"),
				Reason: "update 7 to 2026.11.23-9 timed out: no progress for 30m0s from workers 2"}},
		{name: "workers that never reported time out from the start of the update",
			in: input(fast, nil, snap(registered(1, 2, 10), withCurrent(v9, 1, 2, 10), withBarrier(curID, 0),
				worker(1, 0, model.CondRunning))),
			want: Action{Kind: ActionTimeout, Update: ended(cur3), History: history(cur3, model.ResultTimedOut, "no progress for 5m0s from workers 2, 10"),
				Reason: "update 7 to 2026.11.23-9 timed out: no progress for 5m0s from workers 2, 10"}},
		{name: "worker reporting timedout ends the update at once",
			in: input(prod, nil, snap(registered(1, 2), withCurrent(v9, 1, 2), withBarrier(curID, 1),
				worker(1, 2, model.CondRunning),
				worker(2, 1, model.CondTimedOut, saying("etcd.service not healthy within 1m0s")))),
			want: Action{Kind: ActionTimeout, Update: ended(cur),
				History: history(cur, model.ResultTimedOut, "worker 2 timed out at step 1: etcd.service not healthy within 1m0s"),
				Reason:  "update 7 to 2026.11.23-9 timed out: worker 2 timed out at step 1: etcd.service not healthy within 1m0s"}},
		{name: "workers waiting at the barrier are not silent",
			in: input(prod, nil, snap(registered(1, 2), withCurrent(v9, 1, 2), withBarrier(curID, 1),
				worker(1, 2, model.CondRunning, reportedAt(now.Add(-2*time.Hour))),
				worker(2, 2, model.CondRunning, reportedAt(now.Add(-2*time.Hour))))),
			want: Action{Kind: ActionAdvanceBarrier, Barrier: &model.Barrier{ID: curID, Step: 2},
				Reason: "all workers finished step 1; opening step 2"}},

		// Running updates: progress.
		{name: "all completed finishes",
			in: input(prod, release(v10), snap(registered(1, 2), withCurrent(v9, 1, 2), withBarrier(curID, 3),
				worker(1, 4, model.CondCompleted), worker(2, 4, model.CondCompleted))),
			want: Action{Kind: ActionFinish, Update: &cur, History: history(cur, model.ResultCompleted, ""),
				Reason: "update 7 to 2026.11.23-9 completed on servers 1, 2"}},
		{name: "completed reports of an earlier update do not finish this one",
			in: input(prod, nil, snap(registered(1, 2), withCurrent(v9, 1, 2), withBarrier(curID, 0),
				worker(1, 4, model.CondCompleted), worker(2, 4, model.CondCompleted, forUpdate(curID-1)))),
			want: Action{Kind: ActionNone, Reason: "waiting for workers: 2 not reported yet"}},
		{name: "every worker finished the step: advance",
			in: input(prod, nil, snap(registered(1, 2), withCurrent(v9, 1, 2), withBarrier(curID, 0),
				worker(1, 1, model.CondRunning), worker(2, 1, model.CondRunning))),
			want: Action{Kind: ActionAdvanceBarrier, Barrier: &model.Barrier{ID: curID, Step: 1},
				Reason: "all workers finished step 0; opening step 1"}},
		{name: "completed workers do not hold the barrier",
			in: input(prod, nil, snap(registered(1, 2), withCurrent(v9, 1, 2), withBarrier(curID, 2),
				worker(1, 3, model.CondCompleted), worker(2, 3, model.CondRunning))),
			want: Action{Kind: ActionAdvanceBarrier, Barrier: &model.Barrier{ID: curID, Step: 3},
				Reason: "all workers finished step 2; opening step 3"}},
		{name: "missing barrier opens step 0",
			in: input(prod, nil, snap(registered(1, 2), withCurrent(v9, 1, 2))),
			want: Action{Kind: ActionAdvanceBarrier, Barrier: &model.Barrier{ID: curID, Step: 0},
				Reason: "no barrier for update 7; opening step 0"}},
		{name: "barrier of an earlier update counts as missing",
			in: input(prod, nil, snap(registered(1, 2), withCurrent(v9, 1, 2), withBarrier(curID-1, 4),
				worker(1, 5, model.CondCompleted, forUpdate(curID-1)))),
			want: Action{Kind: ActionAdvanceBarrier, Barrier: &model.Barrier{ID: curID, Step: 0},
				Reason: "no barrier for update 7; opening step 0"}},
		{name: "waiting names the slow workers in LRN order",
			in: input(prod, nil, snap(registered(1, 2, 10), withCurrent(v9, 1, 2, 10), withBarrier(curID, 1),
				worker(1, 2, model.CondRunning), worker(10, 1, model.CondRunning))),
			want: Action{Kind: ActionNone, Reason: "waiting for workers: 2 not reported yet, 10 at step 1"}},
		{name: "joins and leaves during an update are ignored",
			in: input(prod, nil, snap(registered(1, 3), withCurrent(v9, 1, 2), withBarrier(curID, 0),
				worker(1, 1, model.CondCompleted), worker(2, 0, model.CondRunning), worker(3, 0, model.CondAborted))),
			want: Action{Kind: ActionNone, Reason: "waiting for workers: 2 at step 0"}},
		{name: "a running update continues in env test",
			in: input(cluster(t), nil, snap(registered(1), withCurrent(v9, 1), withBarrier(curID, 0), worker(1, 1, model.CondRunning))),
			want: Action{Kind: ActionAdvanceBarrier, Barrier: &model.Barrier{ID: curID, Step: 1},
				Reason: "all workers finished step 0; opening step 1"}},

		// No running update: whether to start one.
		{name: "env test never starts",
			in:   input(cluster(t), release(v10), snap(registered(1))),
			want: Action{Kind: ActionNone, Reason: "env test never updates automatically"}},
		{name: "no latest release",
			in:   input(prod, nil, snap(registered(1))),
			want: Action{Kind: ActionNone, Reason: "no release qualifies"}},
		{name: "no registered servers",
			in:   input(prod, release(v10), snap()),
			want: Action{Kind: ActionNone, Reason: "no boot servers are registered"}},
		{name: "first update",
			in: input(prod, release(v9), snap(registered(10, 0, 2))),
			want: Action{Kind: ActionStartUpdate, Update: started(1, v9, "release-"+v9, model.ReasonUpdate, now, 0, 2, 10),
				Barrier: &model.Barrier{ID: 1, Step: 0},
				Reason:  "starting update 1: update to 2026.11.23-9 on servers 0, 2, 10"}},
		{name: "newer release after a completed update",
			in: input(prod, release(v10), snap(registered(1, 2), withCurrent(v9, 1, 2), finished(model.ResultCompleted, ""))),
			want: Action{Kind: ActionStartUpdate, Update: started(8, v10, "release-"+v10, model.ReasonUpdate, now, 1, 2),
				Barrier: &model.Barrier{ID: 8, Step: 0},
				Reason:  "starting update 8: update from 2026.11.23-9 to 2026.11.23-10 on servers 1, 2"}},
		{name: "up to date",
			in:   input(prod, release(v9), snap(registered(1, 2), withCurrent(v9, 1, 2), finished(model.ResultCompleted, ""))),
			want: Action{Kind: ActionNone, Reason: "up to date at 2026.11.23-9"}},
		{name: "downgrade refused",
			in: input(prod, release(v9), snap(registered(1, 2), withCurrent(v10, 1, 2), finished(model.ResultCompleted, ""))),
			want: Action{Kind: ActionNone,
				Reason: "latest release 2026.11.23-9 is older than 2026.11.23-10; never downgrading automatically (see neco rollback)"}},
		{name: "reconfigure after a server joined",
			in: input(prod, release(v9), snap(registered(1, 2, 10), withCurrent(v9, 1, 2), finished(model.ResultCompleted, ""))),
			want: Action{Kind: ActionStartUpdate, Update: started(8, v9, "release-"+v9, model.ReasonReconfigure, now, 1, 2, 10),
				Barrier: &model.Barrier{ID: 8, Step: 0},
				Reason:  "starting update 8: reconfigure of 2026.11.23-9 (servers were 1, 2) on servers 1, 2, 10"}},
		{name: "reconfigure after a server left",
			in: input(prod, release(v9), snap(registered(2), withCurrent(v9, 1, 2), finished(model.ResultCompleted, ""))),
			want: Action{Kind: ActionStartUpdate, Update: started(8, v9, "release-"+v9, model.ReasonReconfigure, now, 2),
				Barrier: &model.Barrier{ID: 8, Step: 0},
				Reason:  "starting update 8: reconfigure of 2026.11.23-9 (servers were 1, 2) on servers 2"}},
		{name: "retry after recover",
			in: input(prod, release(v9), snap(registered(1, 2), withCurrent(v9, 1, 2), finished(model.ResultAborted, "worker 2: dpkg failed"))),
			want: Action{Kind: ActionStartUpdate, Update: started(8, v9, "release-"+v9, model.ReasonUpdate, now, 1, 2),
				Barrier: &model.Barrier{ID: 8, Step: 0},
				Reason:  "starting update 8: retry of 2026.11.23-9 after it was aborted on servers 1, 2"}},
		{name: "update IDs exhausted",
			in: input(prod, release(v10), snap(registered(1), withCurrent(v9, 1), finished(model.ResultCompleted, ""),
				func(s *model.Snapshot) { s.Current.ID = math.MaxInt64 })),
			want: Action{Kind: ActionNone, Reason: "update IDs are exhausted; update from 2026.11.23-9 to 2026.11.23-10 cannot start"}},

		// Holds and pins (neco hold, neco pin).
		{name: "held release is not taken",
			in:   input(prod, release(v10), snap(registered(1, 2), withCurrent(v9, 1, 2), finished(model.ResultCompleted, ""), held(v10, "rolled back"))),
			want: Action{Kind: ActionNone, Reason: "latest release 2026.11.23-10 is held: rolled back (neco unhold 2026.11.23-10)"}},
		{name: "held release is not taken on a fresh site",
			in:   input(prod, release(v10), snap(registered(1), held(v10, ""))),
			want: Action{Kind: ActionNone, Reason: "latest release 2026.11.23-10 is held (neco unhold 2026.11.23-10)"}},
		{name: "a hold of another version does not block",
			in: input(prod, release(v10), snap(registered(1, 2), withCurrent(v9, 1, 2), finished(model.ResultCompleted, ""), held(v9, ""))),
			want: Action{Kind: ActionStartUpdate, Update: started(8, v10, "release-"+v10, model.ReasonUpdate, now, 1, 2),
				Barrier: &model.Barrier{ID: 8, Step: 0},
				Reason:  "starting update 8: update from 2026.11.23-9 to 2026.11.23-10 on servers 1, 2"}},
		{name: "held version is not retried after recover",
			in:   input(prod, release(v9), snap(registered(1, 2), withCurrent(v9, 1, 2), finished(model.ResultAborted, "worker 2: dpkg failed"), held(v9, "bad"))),
			want: Action{Kind: ActionNone, Reason: "latest release 2026.11.23-9 is held: bad (neco unhold 2026.11.23-9)"}},
		{name: "held running version still reconfigures a joined server",
			in: input(prod, release(v9), snap(registered(1, 2, 10), withCurrent(v9, 1, 2), finished(model.ResultCompleted, ""), held(v9, ""))),
			want: Action{Kind: ActionStartUpdate, Update: started(8, v9, "release-"+v9, model.ReasonReconfigure, now, 1, 2, 10),
				Barrier: &model.Barrier{ID: 8, Step: 0},
				Reason:  "starting update 8: reconfigure of 2026.11.23-9 (servers were 1, 2) on servers 1, 2, 10"}},
		{name: "pinned to the running version: a newer release waits",
			in:   input(prod, release(v10), snap(registered(1, 2), withCurrent(v9, 1, 2), finished(model.ResultCompleted, ""), pinned(v9, "freeze"))),
			want: Action{Kind: ActionNone, Reason: "pinned to 2026.11.23-9: freeze; not taking 2026.11.23-10 (neco unpin)"}},
		{name: "pinned to the latest release: it is taken",
			in: input(prod, release(v10), snap(registered(1, 2), withCurrent(v9, 1, 2), finished(model.ResultCompleted, ""), pinned(v10, ""))),
			want: Action{Kind: ActionStartUpdate, Update: started(8, v10, "release-"+v10, model.ReasonUpdate, now, 1, 2),
				Barrier: &model.Barrier{ID: 8, Step: 0},
				Reason:  "starting update 8: update from 2026.11.23-9 to 2026.11.23-10 on servers 1, 2"}},
		{name: "pin beats approval: nothing to approve",
			in:   input(manual, release(v10), snap(registered(1), withCurrent(v9, 1), finished(model.ResultCompleted, ""), pinned(v9, ""))),
			want: Action{Kind: ActionNone, Reason: "pinned to 2026.11.23-9; not taking 2026.11.23-10 (neco unpin)"}},
		{name: "pinned to the running version: a joined server is still installed",
			in: input(prod, release(v10), snap(registered(1, 2), withCurrent(v9, 1), finished(model.ResultCompleted, ""), pinned(v9, ""))),
			want: Action{Kind: ActionStartUpdate, Update: started(8, v9, "release-"+v9, model.ReasonReconfigure, now, 1, 2),
				Barrier: &model.Barrier{ID: 8, Step: 0},
				Reason:  "starting update 8: reconfigure of 2026.11.23-9 (servers were 1) on servers 1, 2"}},
		{name: "held release after an aborted update: nothing, not a reconfigure",
			in:   input(prod, release(v10), snap(registered(1, 2), withCurrent(v9, 1), finished(model.ResultAborted, "x"), held(v10, ""))),
			want: Action{Kind: ActionNone, Reason: "latest release 2026.11.23-10 is held (neco unhold 2026.11.23-10)"}},

		// Manual approval.
		{name: "manual: no candidate yet records one",
			in: input(manual, release(v10), snap(registered(1), withCurrent(v9, 1), finished(model.ResultCompleted, ""))),
			want: Action{Kind: ActionWaitApproval,
				Candidate: &model.Candidate{Version: model.MustParseVersion(v10), Tag: "release-" + v10},
				Reason:    "waiting for approval of 2026.11.23-10"}},
		{name: "manual: candidate of another version is replaced",
			in: input(manual, release(v10), snap(registered(1), withCurrent(v9, 1), finished(model.ResultCompleted, ""), withCandidate(v9, true))),
			want: Action{Kind: ActionWaitApproval,
				Candidate: &model.Candidate{Version: model.MustParseVersion(v10), Tag: "release-" + v10},
				Reason:    "waiting for approval of 2026.11.23-10"}},
		{name: "manual: recorded but not approved waits without rewriting",
			in:   input(manual, release(v10), snap(registered(1), withCurrent(v9, 1), finished(model.ResultCompleted, ""), withCandidate(v10, false))),
			want: Action{Kind: ActionWaitApproval, Reason: "waiting for approval of 2026.11.23-10"}},
		{name: "manual: approved starts",
			in: input(manual, release(v10), snap(registered(1), withCurrent(v9, 1), finished(model.ResultCompleted, ""), withCandidate(v10, true))),
			want: Action{Kind: ActionStartUpdate, Update: started(8, v10, "release-"+v10, model.ReasonUpdate, now, 1),
				Barrier: &model.Barrier{ID: 8, Step: 0},
				Reason:  "starting update 8: update from 2026.11.23-9 to 2026.11.23-10 on servers 1"}},
		{name: "manual: reconfigure needs no approval",
			in: input(manual, release(v9), snap(registered(1, 2), withCurrent(v9, 1), finished(model.ResultCompleted, ""))),
			want: Action{Kind: ActionStartUpdate, Update: started(8, v9, "release-"+v9, model.ReasonReconfigure, now, 1, 2),
				Barrier: &model.Barrier{ID: 8, Step: 0},
				Reason:  "starting update 8: reconfigure of 2026.11.23-9 (servers were 1) on servers 1, 2"}},

		// Release windows (Asia/Tokyo).
		{name: "window open at 03:30 JST",
			in: at(input(daily, release(v10), snap(registered(1), withCurrent(v9, 1), finished(model.ResultCompleted, ""))),
				time.Date(2026, 11, 24, 3, 30, 0, 0, tokyo)),
			want: Action{Kind: ActionStartUpdate,
				Update:  started(8, v10, "release-"+v10, model.ReasonUpdate, time.Date(2026, 11, 24, 3, 30, 0, 0, tokyo), 1),
				Barrier: &model.Barrier{ID: 8, Step: 0},
				Reason:  "starting update 8: update from 2026.11.23-9 to 2026.11.23-10 on servers 1"}},
		{name: "window closed at noon JST though it is 03:00 UTC",
			in: at(input(daily, release(v10), snap(registered(1), withCurrent(v9, 1), finished(model.ResultCompleted, ""))), noonTokyo),
			want: Action{Kind: ActionWaitWindow, Until: time.Date(2026, 11, 25, 3, 0, 0, 0, tokyo),
				Reason: "update of 2026.11.23-10 waits for the release window at 2026-11-25 03:00 JST"}},
		{name: "window is the whole matching minute",
			in: at(input(weekdays, release(v10), snap(registered(1))),
				time.Date(2026, 11, 24, 3, 0, 59, 999999999, tokyo)),
			want: Action{Kind: ActionStartUpdate,
				Update:  started(1, v10, "release-"+v10, model.ReasonUpdate, time.Date(2026, 11, 24, 3, 0, 59, 999999999, tokyo), 1),
				Barrier: &model.Barrier{ID: 1, Step: 0},
				Reason:  "starting update 1: update to 2026.11.23-10 on servers 1"}},
		{name: "window closed one minute later until the next weekday",
			in: at(input(weekdays, release(v10), snap(registered(1))), time.Date(2026, 11, 27, 3, 1, 0, 0, tokyo)),
			want: Action{Kind: ActionWaitWindow, Until: time.Date(2026, 11, 30, 3, 0, 0, 0, tokyo),
				Reason: "update of 2026.11.23-10 waits for the release window at 2026-11-30 03:00 JST"}},
		{name: "earliest of several windows",
			in: at(input(twice, release(v10), snap(registered(1))), noonTokyo),
			want: Action{Kind: ActionWaitWindow, Until: time.Date(2026, 11, 25, 1, 30, 0, 0, tokyo),
				Reason: "update of 2026.11.23-10 waits for the release window at 2026-11-25 01:30 JST"}},
		{name: "window gates reconfigure",
			in: at(input(daily, release(v9), snap(registered(1, 2), withCurrent(v9, 1), finished(model.ResultCompleted, ""))), noonTokyo),
			want: Action{Kind: ActionWaitWindow, Until: time.Date(2026, 11, 25, 3, 0, 0, 0, tokyo),
				Reason: "reconfigure of 2026.11.23-9 waits for the release window at 2026-11-25 03:00 JST"}},
		{name: "approval is asked before the window opens",
			in: at(input(manualDaily, release(v10), snap(registered(1))), noonTokyo),
			want: Action{Kind: ActionWaitApproval,
				Candidate: &model.Candidate{Version: model.MustParseVersion(v10), Tag: "release-" + v10},
				Reason:    "waiting for approval of 2026.11.23-10"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := NextAction(tt.in)
			if diff := cmp.Diff(tt.want, got, cmpVersions); diff != "" {
				t.Errorf("NextAction mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
