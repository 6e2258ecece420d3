package worker

import (
	"time"

	"github.com/necoship/neco/pkg/decide"
)

// turn is the rolling turn this server waits for, if any: what the
// round's decision waits on (the turns record, which the updater leader
// also writes when a soak ends, or a time: the recheck of a holding alert
// gate), and when the waiting report
// was last written. That report is written when a wait begins and every
// heartbeat after, not every round: the servers it names may finish in
// between, and reporting each would cost a write per turns record.
type turn struct {
	// wait is nil when the server is not waiting for a turn.
	wait *decide.Wait
	// reported is the wait the last waiting report was written for, and
	// reportedAt when; zero when none is due a heartbeat.
	reported   waitKey
	reportedAt time.Time
}

// waitKey is what a waiting report says without its details: the update
// and step, and whether for the turns record or for a time.
type waitKey struct {
	id    int64
	step  int
	timed bool
}

func keyOf(w decide.Wait) waitKey { return waitKey{id: w.ID, step: w.Step, timed: !w.OnTurns()} }

// follow keeps the turn at the round's decision: its wait, or none.
func (t *turn) follow(act decide.WorkerAction) {
	t.wait = act.Wait
	if t.wait == nil {
		t.reported = waitKey{}
	}
}

// reportDue says whether the waiting report must be written at now: the
// wait is new, or the last report is a heartbeat old.
func (t *turn) reportDue(now time.Time, heartbeat time.Duration) bool {
	return t.wait != nil && (keyOf(*t.wait) != t.reported || now.Sub(t.reportedAt) >= heartbeat)
}

// wasReported records that the waiting report was written at now.
func (t *turn) wasReported(now time.Time) {
	t.reported, t.reportedAt = keyOf(*t.wait), now
}

// wakeAt lists when the turn needs a round even without news: when the
// time waited for comes, and when the next heartbeat is due. Zero times
// mean none.
func (t *turn) wakeAt(heartbeat time.Duration) [2]time.Time {
	var at [2]time.Time
	if t.wait == nil {
		return at
	}
	at[0] = t.wait.Until
	if t.reported != (waitKey{}) {
		at[1] = t.reportedAt.Add(heartbeat)
	}
	return at
}
