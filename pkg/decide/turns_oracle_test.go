package decide

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/plan"
)

// The rule of rolling turns as each worker decided it on every server's
// report, before the updater published status/turns: the reference the
// record is checked against (checkTurnsAgainstReports).

// oracleAhead lists the servers whose turn at step i comes first and that
// have not finished it: the server at index k of the sorted participants
// goes once every server below index k-max+1 has finished.
func oracleAhead(s model.Snapshot, lrn, i, maxUnavailable int) []int {
	var ahead []int
	for _, p := range oracleBefore(s, lrn, maxUnavailable) {
		if p.cond() != model.CondCompleted && p.finished() <= i {
			ahead = append(ahead, p.lrn)
		}
	}
	return ahead
}

// oracleBefore lists the participants whose turn comes before lrn's.
func oracleBefore(s model.Snapshot, lrn, maxUnavailable int) []participant {
	ps := participantsOf(s)
	k := slices.IndexFunc(ps, func(p participant) bool { return p.lrn == lrn })
	return ps[:max(k-max(maxUnavailable, 1)+1, 0)]
}

// oracleSoak is when the restarts lrn waited for at step i have soaked,
// and whose was the latest; zero without a soak.
func oracleSoak(s model.Snapshot, lrn, i int, svc plan.Service) (time.Time, int) {
	if svc.Soak.Duration <= 0 {
		return time.Time{}, 0
	}
	var until time.Time
	who := 0
	for _, p := range oracleBefore(s, lrn, svc.MaxUnavailable) {
		if p.report == nil || !p.passed(i) {
			continue
		}
		if t := p.report.UpdatedAt.Add(svc.Soak.Duration); t.After(until) {
			until, who = t, p.lrn
		}
	}
	return until, who
}

// checkTurnsAgainstReports checks, for every server of s that has not
// finished the barrier's step (taken as a rolling step of svc), that the turns record
// the updater computes from s decides as the reports did:
//
//   - a server goes on the record exactly when, on every report, none
//     ahead of it was unfinished and their restarts had soaked;
//   - a server waiting for a soak on the record waits for the record the
//     updater computes at the time the reports gave (after the same
//     server's restart), which opens its turn; it never waits on its own
//     clock;
//   - a server waiting on the record is not woken by that same record
//     (no busy loop);
//   - a record computed from an older state (stale: some servers had not
//     finished yet) never opens a turn the reports would not.
func checkTurnsAgainstReports(t *testing.T, s model.Snapshot, svc plan.Service, at time.Time, stale []int) {
	t.Helper()
	if s.Current == nil || s.Barrier == nil || s.Barrier.ID != s.Current.ID || s.Barrier.Step < 1 {
		return
	}
	i := s.Barrier.Step
	st := Step{Kind: StepRestart, Service: &svc, Name: "restart r.service (rolling)"}
	rt := model.RollingTurn{MaxUnavailable: max(svc.MaxUnavailable, 1), Soak: model.Duration(svc.Soak.Duration)}
	fresh := turnsFor(participantsOf(s), *s.Barrier, rt, at)
	old := withStale(s, i, at, stale)
	staleTurns := turnsFor(participantsOf(old), *s.Barrier, rt, at)
	for pos, p := range participantsOf(s) {
		if p.passed(i) {
			continue // a server that finished the step takes no turn
		}
		ahead := oracleAhead(s, p.lrn, i, svc.MaxUnavailable)
		until, who := oracleSoak(s, p.lrn, i, svc)
		goes := len(ahead) == 0 && !at.Before(until)
		act, waits := rollingWait(onTurns(s, p.lrn, fresh, at), i, st)
		soaking := fresh.Soak != nil && pos >= fresh.Open && pos < fresh.Soak.Upto
		switch {
		case waits == goes:
			t.Fatalf("server %d: waits %v on %+v; on the reports ahead %v, soaked at %s", p.lrn, waits, fresh, ahead, until)
		case waits && !act.Wait.OnTurns():
			t.Fatalf("server %d: %q until %s on its own clock", p.lrn, act.Reason, act.Wait.Until)
		case waits && act.Wait.Over(&fresh):
			t.Fatalf("server %d waits on %+v, which says its wait is over", p.lrn, fresh)
		case soaking && (!fresh.Soak.At.Equal(until) || !strings.Contains(act.Reason, "server "+strconv.Itoa(who)+"'s")):
			t.Fatalf("server %d: %q on %+v; on the reports until %s after server %d", p.lrn, act.Reason, fresh, until, who)
		case soaking:
			if later := turnsFor(participantsOf(s), *s.Barrier, rt, until); !act.Wait.Over(&later) {
				t.Fatalf("server %d: its soak ended at %s and the record then, %+v, does not open its turn", p.lrn, until, later)
			}
		}
		if _, waits := rollingWait(onTurns(s, p.lrn, staleTurns, at), i, st); !waits && !goes {
			t.Fatalf("server %d: goes on the stale %+v; on the reports ahead %v, soaked at %s", p.lrn, staleTurns, ahead, until)
		}
	}
}

// onTurns is server lrn's input on s with the turns record t, at now.
func onTurns(s model.Snapshot, lrn int, t model.Turns, now time.Time) WorkerInput {
	s.Turns = &t
	return WorkerInput{Snapshot: s, LRN: lrn, Now: now}
}

// withStale is s as it was before the servers at the given positions
// finished step i: their reports back in it.
func withStale(s model.Snapshot, i int, at time.Time, positions []int) model.Snapshot {
	ps := participantsOf(s)
	workers := make(map[int]model.WorkerStatus, len(s.Workers))
	for l, w := range s.Workers {
		workers[l] = w
	}
	for _, pos := range positions {
		if pos < len(ps) {
			workers[ps[pos].lrn] = model.WorkerStatus{ID: s.Current.ID, Step: i, Cond: model.CondRunning, UpdatedAt: at}
		}
	}
	s.Workers = workers
	return s
}

// checkOpenTurns: an open-turns action writes a valid record of the
// stored barrier, saying more than the stored one, and every turn it
// opens is one the reports opened (the oracle, with the step's
// parameters as the waiting reports tell them).
func checkOpenTurns(t *testing.T, in UpdaterInput, a Action) {
	t.Helper()
	s, tu := in.Snapshot, a.Turns
	ps := participantsOf(s)
	switch {
	case tu == nil || tu.Validate() != nil || s.Barrier == nil || !tu.For(*s.Barrier):
		t.Fatalf("open-turns %+v at barrier %+v", tu, s.Barrier)
	case tu.Open > len(ps) || (tu.Soak != nil && tu.Soak.Upto > len(ps)):
		t.Fatalf("open-turns %+v for %d servers", tu, len(ps))
	case s.Turns != nil && s.Turns.For(*s.Barrier) && (tu.Behind(*s.Turns) || tu.Equal(*s.Turns)):
		t.Fatalf("open-turns %+v over the stored %+v", tu, s.Turns)
	}
	rt, _ := rollingTurnOf(ps, s.Barrier.Step)
	svc := plan.Service{MaxUnavailable: rt.MaxUnavailable, Soak: plan.Duration{Duration: time.Duration(rt.Soak)}}
	for pos, p := range ps[:tu.Open] {
		if p.passed(s.Barrier.Step) {
			continue // a server that finished the step takes no turn
		}
		ahead := oracleAhead(s, p.lrn, s.Barrier.Step, svc.MaxUnavailable)
		if until, _ := oracleSoak(s, p.lrn, s.Barrier.Step, svc); len(ahead) > 0 || in.Now.Before(until) {
			t.Fatalf("open-turns %+v opens position %d (server %d); on the reports ahead %v, soaked at %s", tu, pos, p.lrn, ahead, until)
		}
	}
}

// TestTurnsAgainstReports runs checkTurnsAgainstReports on rolling steps
// drawn at random (a fixed seed): up to 12 servers, each unreported,
// waiting or running in the step, finished at some minute, completed, or
// reporting another update; max-unavailable 1 to 4; a soak of 0 to 6
// minutes; the updater's record also checked (checkOpenTurns) against a
// stored record behind it.
func TestTurnsAgainstReports(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 1))
	for range 20000 {
		n := 1 + r.IntN(12)
		servers := make([]int, n)
		for k := range servers {
			servers[k] = k * (1 + r.IntN(3)) // gaps, and 10 after 2
			if k > 0 && servers[k] <= servers[k-1] {
				servers[k] = servers[k-1] + 1
			}
		}
		s := snap(withCurrent(v10, servers...), withBarrier(curID, 1))
		svc := plan.Service{MaxUnavailable: 1 + r.IntN(4), Soak: plan.Duration{Duration: time.Duration(r.IntN(7)) * time.Minute}}
		turn := model.RollingTurn{MaxUnavailable: svc.MaxUnavailable, Soak: model.Duration(svc.Soak.Duration)}
		for _, l := range servers {
			at := now.Add(-time.Duration(r.IntN(10)) * time.Minute)
			switch r.IntN(6) {
			case 0: // not reported yet
			case 1:
				s.Workers[l] = model.WorkerStatus{ID: curID, Step: 1, Cond: model.CondRunning, UpdatedAt: at, Turn: &turn}
			case 2, 3:
				s.Workers[l] = model.WorkerStatus{ID: curID, Step: 2, Cond: model.CondRunning, UpdatedAt: at}
			case 4:
				s.Workers[l] = model.WorkerStatus{ID: curID, Step: 7, Cond: model.CondCompleted, UpdatedAt: at}
			case 5:
				s.Workers[l] = model.WorkerStatus{ID: curID - 1, Step: 7, Cond: model.CondCompleted, UpdatedAt: at}
			}
		}
		var stale []int
		for k := range n {
			if r.IntN(3) == 0 {
				stale = append(stale, k)
			}
		}
		checkTurnsAgainstReports(t, s, svc, now, stale)
		in := input(cluster(t, "env", "production"), nil, s)
		if r.IntN(2) == 0 {
			old := turnsFor(participantsOf(withStale(s, 1, now, stale)), *s.Barrier, turn, now)
			in.Snapshot.Turns = &old
		}
		if a := NextAction(in); a.Kind == ActionOpenTurns {
			checkOpenTurns(t, in, a)
		}
	}
}
