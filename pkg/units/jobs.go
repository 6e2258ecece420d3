package units

import (
	"context"
	"fmt"
	"time"

	"github.com/necoship/neco/pkg/backoff"
)

// jobFunc is one of Conn's methods that queue a job for a unit.
type jobFunc func(ctx context.Context, name, mode string, ch chan<- string) (int, error)

// goal is the state a job must leave the unit in.
type goal struct {
	// judge says whether a state is the goal, on the way to it, or a
	// failure.
	judge func(UnitState) verdict
	// stable asks for two polls in a row at the goal with the same
	// ActiveSince before the goal counts as reached.
	stable bool
	// miss is the sentinel of a unit that ended elsewhere.
	miss error
}

type verdict int

const (
	pending verdict = iota
	reached
	missed
)

// running is the goal of start and restart: active, and still so one poll
// later.
var running = goal{judge: judgeRunning, stable: true, miss: ErrUnitFailed}

// stopped is the goal of stop.
var stopped = goal{judge: judgeStopped, miss: ErrNotStopped}

func judgeRunning(s UnitState) verdict {
	switch s.ActiveState {
	case "active", "reloading":
		return reached
	case "inactive", "failed":
		return missed
	default:
		// activating (start, start-pre, auto-restart), deactivating, and
		// states newer systemd versions may add: still on the way.
		return pending
	}
}

func judgeStopped(s UnitState) verdict {
	switch s.ActiveState {
	case "inactive", "failed":
		return reached
	case "deactivating":
		return pending
	default:
		return missed
	}
}

// Start starts unit ("replace" mode) and returns once it runs: the job is
// done and the unit stays active (see the package comment).
func (m *Manager) Start(ctx context.Context, unit string) error {
	return m.runJob(ctx, "start", unit, m.conn.StartUnitContext, running)
}

// Restart restarts unit, or starts it when it is not running, and returns
// once it runs again.
func (m *Manager) Restart(ctx context.Context, unit string) error {
	return m.runJob(ctx, "restart", unit, m.conn.RestartUnitContext, running)
}

// Stop stops unit and returns once it is inactive or failed.
func (m *Manager) Stop(ctx context.Context, unit string) error {
	return m.runJob(ctx, "stop", unit, m.conn.StopUnitContext, stopped)
}

// runJob checks that unit exists, queues the job, waits for its result,
// then polls the unit until it reaches g.
func (m *Manager) runJob(ctx context.Context, op, unit string, queue jobFunc, g goal) error {
	if err := checkUnitName(unit); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	st, err := m.readState(ctx, unit)
	if err != nil {
		return m.stateError(ctx, op, unit, UnitState{}, err)
	}
	if st.LoadState == "not-found" {
		return &UnitError{Op: op, Unit: unit, State: st, Err: ErrNoUnit}
	}
	// Buffered: go-systemd sends the result while holding the lock of
	// its job listener, so once ctx has ended and nobody reads, an
	// unbuffered send would block every later job of the connection.
	ch := make(chan string, 1)
	if _, err := queue(ctx, unit, "replace", ch); err != nil {
		return m.stateError(ctx, op, unit, st, err)
	}
	if err := m.awaitJob(ctx, op, unit, st, ch); err != nil {
		return err
	}
	return m.await(ctx, op, unit, g)
}

// awaitJob waits for the job's result; any result but "done" is
// ErrJobFailed with the unit's state and journal. Meanwhile it keeps
// reading the unit's state, so that a caller who gives up on a long job
// (a Type=notify daemon that never gets ready) learns where the unit is,
// not where it was before the job.
func (m *Manager) awaitJob(ctx context.Context, op, unit string, last UnitState, ch <-chan string) error {
	tick := time.NewTicker(m.poll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return &UnitError{Op: op, Unit: unit, State: last, Err: ctx.Err()}
		case result := <-ch:
			return m.jobResult(ctx, op, unit, result)
		case <-tick.C:
			// A result that is already in wins over a tick that came at
			// the same time: the state read would be wasted.
			select {
			case result := <-ch:
				return m.jobResult(ctx, op, unit, result)
			default:
			}
			// A failed read only leaves last older; the job's result is
			// what this waits for.
			if st, err := m.readState(ctx, unit); err == nil {
				last = st
			}
		}
	}
}

func (m *Manager) jobResult(ctx context.Context, op, unit, result string) error {
	if result == "done" {
		return nil
	}
	// Should this read fail, the error goes without a state: the job's
	// result is the news.
	st, _ := m.readState(ctx, unit)
	e := m.failed(ctx, op, unit, st, ErrJobFailed)
	e.JobResult = result
	return e
}

// await polls the unit every poll interval until it reaches g, misses it,
// or ctx ends.
func (m *Manager) await(ctx context.Context, op, unit string, g goal) error {
	var last UnitState
	atGoal := false
	for {
		st, err := m.readState(ctx, unit)
		if err != nil {
			return m.stateError(ctx, op, unit, last, err)
		}
		switch g.judge(st) {
		case reached:
			if !g.stable || (atGoal && st.ActiveSince.Equal(last.ActiveSince)) {
				return nil
			}
			atGoal = true
		case missed:
			return m.failed(ctx, op, unit, st, g.miss)
		default:
			atGoal = false
		}
		last = st
		if err := backoff.Sleep(ctx, m.poll); err != nil {
			return &UnitError{Op: op, Unit: unit, State: last, Err: err}
		}
	}
}

// failed builds the error of a unit that failed, seen in state st, with
// its journal.
func (m *Manager) failed(ctx context.Context, op, unit string, st UnitState, sentinel error) *UnitError {
	e := &UnitError{Op: op, Unit: unit, State: st, Err: sentinel}
	lines, err := m.journal(ctx, unit, journalLines)
	if err != nil {
		e.Journal = fmt.Sprintf("(journal unavailable: %v)", err)
		return e
	}
	e.Journal = lines
	return e
}

// stateError reports a failed D-Bus call: as the context's error with the
// last known state when ctx ended (the call failed because of that),
// otherwise as the call's own error.
func (m *Manager) stateError(ctx context.Context, op, unit string, last UnitState, err error) error {
	if ctx.Err() != nil {
		err = ctx.Err()
	}
	return &UnitError{Op: op, Unit: unit, State: last, Err: err}
}
