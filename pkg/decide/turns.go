package decide

import (
	"fmt"
	"time"

	"github.com/necoship/neco/pkg/model"
)

// Rolling turns (docs/decide.md, "Rolling turns"). The server at position
// k of the update's servers in LRN order starts its turn at a rolling
// step once every server below position k-max+1 has finished the step (or
// completed the update), so that at most max-unavailable restart at once;
// with a soak, also once the latest of those restarts has run that long.
// Only the updater leader reads every report: it writes who may go in
// status/turns (turnsFor), and a waiting worker reads that one key
// (rollingWait in worker_turn.go). The plan, which only workers read,
// reaches the updater through the waiting reports (model.RollingTurn).

// rollingTurnOf is the rolling step's parameters as the reports of the
// servers waiting at step i tell them; nil when none waits (then no
// server needs a turns record). Every worker reads the plan of the
// update's version, so they agree; of reports that did not (written by
// hand), the most careful wins: the fewest at once, the longest soak.
// name is the step's name from the same reports.
func rollingTurnOf(ps []participant, i int) (rt *model.RollingTurn, name string) {
	for _, p := range ps {
		r := p.report
		if r == nil || r.Turn == nil || r.Step != i || r.Cond != model.CondRunning {
			continue
		}
		if rt == nil {
			t := *r.Turn
			rt, name = &t, r.StepName
			continue
		}
		rt.MaxUnavailable = min(rt.MaxUnavailable, r.Turn.MaxUnavailable)
		rt.Soak = max(rt.Soak, r.Turn.Soak)
	}
	return rt, name
}

// turnsFor computes the turns record of barrier b, a rolling step, at
// now: how many servers in LRN order finished it (Done), whose turn is
// open (Open), and the next turns a soak holds (Soak).
func turnsFor(ps []participant, b model.Barrier, rt model.RollingTurn, now time.Time) model.Turns {
	m := max(rt.MaxUnavailable, 1)
	done := 0
	for done < len(ps) && ps[done].passed(b.Step) {
		done++
	}
	t := model.Turns{ID: b.ID, Step: b.Step, Canary: b.Canary, Done: done, Open: min(done+m, len(ps))}
	if rt.Soak <= 0 {
		return t
	}
	// With a soak, the server at position k goes once the latest restart
	// below position k-m+1 has soaked: a time that grows with k. The turns
	// open are those whose time has come; the next are those that share
	// the first time still ahead.
	eligible := t.Open
	soaked := newSoakClock(ps, time.Duration(rt.Soak))
	for t.Open = done; t.Open < eligible; t.Open++ {
		at, after := soaked.at(t.Open - m + 1)
		if !now.Before(at) {
			continue
		}
		upto := t.Open + 1
		for upto < eligible {
			if next, _ := soaked.at(upto - m + 1); !next.Equal(at) {
				break
			}
			upto++
		}
		t.Soak = &model.TurnSoak{Upto: upto, At: at, After: after}
		break
	}
	return t
}

// soakClock tells when the restarts below a position have soaked: the
// latest report of a server below it (each finished the step, and a
// server that finished a step reports no more until the next barrier),
// plus the soak. Positions only grow between calls.
type soakClock struct {
	ps     []participant
	soak   time.Duration
	below  int       // the positions counted so far
	latest time.Time // the latest report below them
	who    int       // whose it is
}

func newSoakClock(ps []participant, soak time.Duration) *soakClock {
	return &soakClock{ps: ps, soak: soak}
}

// at is when the restarts below position pos have soaked, and whose
// restart is the latest; zero when none is below it.
func (c *soakClock) at(pos int) (time.Time, int) {
	for ; c.below < pos; c.below++ {
		p := c.ps[c.below]
		if t := p.reportedAt(); t.After(c.latest) {
			c.latest, c.who = t, p.lrn
		}
	}
	if c.latest.IsZero() {
		return time.Time{}, 0
	}
	return c.latest.Add(c.soak), c.who
}

// openTurns computes the turns record of the barrier's step when servers
// wait for their turn there (nil otherwise), and says whether to write
// it: when the stored record of that barrier says less.
func openTurns(in UpdaterInput, ps []participant) (write bool, t *model.Turns, reason string) {
	b := in.Snapshot.Barrier
	if b == nil || b.ID != in.Snapshot.Current.ID {
		return false, nil, ""
	}
	rt, name := rollingTurnOf(ps, b.Step)
	if rt == nil {
		return false, nil, ""
	}
	computed := turnsFor(ps, *b, *rt, in.Now)
	t = &computed
	if s := in.Snapshot.Turns; s != nil && s.For(*b) && (t.Behind(*s) || t.Equal(*s)) {
		// Behind only on a clock behind the last leader's: its record
		// stands until this one catches up.
		return false, t, ""
	}
	return true, t, turnsReason(ps, *t, *rt, name)
}

// turnsReason says what a turns record opens, naming servers, not
// positions.
func turnsReason(ps []participant, t model.Turns, rt model.RollingTurn, name string) string {
	if name == "" {
		name = fmt.Sprintf("step %d", t.Step)
	}
	r := fmt.Sprintf("%s: %d of %d servers finished; turns open up to server %d (max-unavailable %d)",
		name, t.Done, len(ps), ps[t.Open-1].lrn, max(rt.MaxUnavailable, 1))
	if s := t.Soak; s != nil {
		r += fmt.Sprintf("; up to server %d at %s, when server %d's restart has soaked %s",
			ps[s.Upto-1].lrn, s.At.UTC().Format("15:04:05 MST"), s.After, time.Duration(rt.Soak))
	}
	return r
}
