package units

import (
	"errors"
	"fmt"
	"strings"
)

// The errors callers branch on; each comes wrapped in a *UnitError.
var (
	// ErrNoUnit: systemd has no such unit (LoadState "not-found"). No job
	// was queued.
	ErrNoUnit = errors.New("units: no such unit")
	// ErrJobFailed: systemd's job ended with a result other than "done"
	// (failed, timeout, canceled, dependency, skipped). For RunTransient it
	// means the command failed.
	ErrJobFailed = errors.New("units: job failed")
	// ErrUnitFailed: the start or restart job was done but the unit then
	// ended "failed" or "inactive" instead of staying active.
	ErrUnitFailed = errors.New("units: unit failed")
	// ErrNotStopped: the stop job was done but the unit is running again
	// (something else started it).
	ErrNotStopped = errors.New("units: unit running again after stop")
	// ErrUnitExists: RunTransient's unit name is taken by a unit that is
	// still running, for example a self-update started before the worker
	// restarted.
	ErrUnitExists = errors.New("units: transient unit still running")
)

// UnitError is how every operation on a unit fails. Err is one of the
// sentinels above, the context's error when the caller gave up, or an error
// from D-Bus.
type UnitError struct {
	Op   string // start, stop, restart, run
	Unit string
	// JobResult is systemd's job result when it was not "done".
	JobResult string
	// State is the unit's last known state.
	State UnitState
	// Journal holds the unit's last journal lines when the unit failed, or
	// a note saying why they could not be read.
	Journal string
	Err     error
}

func (e *UnitError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %v", e.Op, e.Unit, e.Err)
	var about []string
	if e.JobResult != "" {
		about = append(about, "job result "+e.JobResult)
	}
	if s := e.State.String(); s != "" {
		about = append(about, s)
	}
	if len(about) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(about, "; "))
	}
	if e.Journal != "" {
		b.WriteString("; journal:\n")
		b.WriteString(e.Journal)
	}
	return b.String()
}

func (e *UnitError) Unwrap() error { return e.Err }
