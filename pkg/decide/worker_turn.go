package decide

import (
	"fmt"
	"slices"
	"time"

	"github.com/necoship/neco/pkg/model"
)

// rollingWait says whether this server waits for its rolling turn at step
// i, and on what; ok is false when its turn is open (see turns.go for the
// rule). It reads this server's position in the update's servers and the
// turns record the updater leader wrote, never the other servers'
// reports: those are what grows with the site.
func rollingWait(in WorkerInput, i int, st Step) (WorkerAction, bool) {
	s := in.Snapshot
	lrns := sortedLRNs(s.Current.Servers)
	pos := slices.Index(lrns, in.LRN)
	m := max(st.Service.MaxUnavailable, 1)
	ahead := pos - m + 1 // the servers below this position go first
	t, b := turnsAt(s, i)
	w := Wait{Position: -1, ID: b.ID, Step: i, Canary: b.Canary}
	switch {
	case ahead <= 0 || barrierStep(s) > i:
		// No turn comes before this one; or the barrier moved past the
		// step, which every server then finished (this one's report was
		// lost: the step is run again).
	case pos < t.Open:
	case t.Soak != nil && pos < t.Soak.Upto:
		// The leader opens the turn when the soak ends on its clock,
		// which this server's is not compared with.
		w.Position = pos
		return wait(in, i, st, w, fmt.Sprintf("waiting for server %d's %s to soak until %s",
			t.Soak.After, st.Name, t.Soak.At.UTC().Format("15:04:05 MST"))), true
	case ahead > t.Done:
		// The last of those ahead is the likeliest to finish last; some
		// may have finished already, out of order.
		w.Position = pos
		return wait(in, i, st, w, fmt.Sprintf("waiting for servers %s to finish %s", lrnRanges(lrns[t.Done:ahead], maxRanges), st.Name)), true
	default:
		// Those ahead finished; a soak later than the next one holds it.
		w.Position = pos
		return wait(in, i, st, w, fmt.Sprintf("waiting for the restarts ahead of it to soak %s before %s",
			st.Service.Soak.Duration, st.Name)), true
	}
	if hold := gateHold(in.Gate, s.Gate); hold != "" {
		// info/gate changing wakes the worker; the deadline only bounds
		// a wait with no news.
		w.Until = in.Now.Add(gateRecheck)
		return wait(in, i, st, w, fmt.Sprintf("%s waits for the alert gate: %s", st.Name, hold)), true
	}
	return WorkerAction{}, false
}

// turnsAt is the turns record of the barrier at step i (the one this
// server entered the step under), and that barrier. The record is the
// zero one (nobody done, no turn open) when the updater wrote none for it
// yet.
func turnsAt(s model.Snapshot, i int) (model.Turns, model.Barrier) {
	b := model.Barrier{ID: s.Current.ID, Step: i}
	if s.Barrier != nil {
		b = *s.Barrier
	}
	if t := s.Turns; t != nil && t.For(b) && t.Step == i {
		return *t, b
	}
	return model.Turns{}, b
}

// Wait is what a server waiting for its rolling turn waits on: the turns
// record opening it, or a time (the end of a soak, the recheck of a
// holding alert gate). Watching the one record, not every server's
// report, keeps what a waiting server reads flat in the site's size.
type Wait struct {
	// Position is this server's place in the turn order, when it waits
	// for status/turns to open its turn; -1 when it waits for Until.
	Position int
	// Until is when the wait ends by itself; zero when waiting on the
	// record.
	Until time.Time
	// ID, Step and Canary are the barrier waited at.
	ID     int64
	Step   int
	Canary bool
}

// OnTurns says whether the wait ends with a turns record, not a time.
func (w Wait) OnTurns() bool { return w.Position >= 0 }

// Over reports whether t, the latest turns record (nil when it was
// deleted or does not decode), may have ended the wait: then decide
// again. A record of the same barrier that opens no turn up to this
// server's position does not.
func (w Wait) Over(t *model.Turns) bool {
	return t == nil || t.ID != w.ID || t.Step != w.Step || t.Canary != w.Canary || t.Opens(w.Position)
}

// wait reports this server waiting for its rolling turn at step i, with
// the step's parameters, from which the updater computes the turns.
func wait(in WorkerInput, i int, st Step, w Wait, msg string) WorkerAction {
	a := report(in, WorkerWait, i, model.CondRunning, st.Name, msg)
	a.Report.Message, a.Wait = msg, &w
	a.Report.Turn = &model.RollingTurn{MaxUnavailable: max(st.Service.MaxUnavailable, 1), Soak: model.Duration(st.Service.Soak.Duration)}
	return a
}
