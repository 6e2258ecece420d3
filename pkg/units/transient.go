package units

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"

	sddbus "github.com/coreos/go-systemd/v22/dbus"
)

// RunTransient runs argv as the transient service unit name (like
// systemd-run --wait) and returns when it has ended. The worker's
// self-update runs dpkg this way: the package's prerm stops neco-worker,
// and a dpkg in the worker's own cgroup would be killed with it.
//
// The unit is Type=oneshot, so its start job ends when the command does
// and no start timeout applies; ctx bounds only the waiting. When ctx ends
// the command keeps running: stopping it halfway is exactly what the unit
// is for avoiding. A command that fails is ErrJobFailed with the unit's
// Result and journal; its failed unit is then reset so that the name can
// be used again. A unit of that name left failed by an earlier run is
// reset first; one still running is ErrUnitExists.
func (m *Manager) RunTransient(ctx context.Context, name string, argv []string) error {
	const op = "run"
	if err := checkTransient(name, argv); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if err := m.clearTransient(ctx, name); err != nil {
		return err
	}
	props := []sddbus.Property{
		sddbus.PropDescription("neco: " + strings.Join(argv, " ")),
		sddbus.PropType("oneshot"),
		// false: go-systemd's "uncleanIsFailure" is systemd's
		// ignore-failure flag (the "-" prefix of ExecStart=), despite its
		// name (go-systemd issue #510); true would make a failed dpkg
		// look like success.
		sddbus.PropExecStart(argv, false),
	}
	ch := make(chan string, 1) // buffered: see runJob
	// "fail": a new unit has no queued jobs to replace; if it somehow
	// has, systemd refuses instead of cancelling them.
	if _, err := m.conn.StartTransientUnitContext(ctx, name, "fail", props, ch); err != nil {
		return m.stateError(ctx, op, name, UnitState{}, err)
	}
	err := m.awaitJob(ctx, op, name, UnitState{}, ch)
	if errors.Is(err, ErrJobFailed) {
		// Best effort: if this fails, the next run resets the unit.
		_ = m.conn.ResetFailedUnitContext(ctx, name)
	}
	return err
}

// clearTransient makes name free for a new transient unit: a failed
// leftover is reset (which unloads it), a running one is refused.
func (m *Manager) clearTransient(ctx context.Context, name string) error {
	const op = "run"
	st, err := m.readState(ctx, name)
	if err != nil {
		return m.stateError(ctx, op, name, UnitState{}, err)
	}
	switch {
	case st.LoadState == "not-found":
		return nil
	case st.ActiveState == "failed" || st.ActiveState == "inactive":
		if err := m.conn.ResetFailedUnitContext(ctx, name); err != nil {
			return m.stateError(ctx, op, name, st, fmt.Errorf("reset leftover unit: %w", err))
		}
		return nil
	default:
		return &UnitError{Op: op, Unit: name, State: st, Err: ErrUnitExists}
	}
}

func checkTransient(name string, argv []string) error {
	if err := checkUnitName(name); err != nil {
		return err
	}
	if !strings.HasSuffix(name, ".service") {
		return fmt.Errorf("unit name %q: a transient command needs a .service name", name)
	}
	if len(argv) == 0 {
		return fmt.Errorf("%s: empty command", name)
	}
	// systemd resolves a bare name against its own PATH, which need not
	// be the caller's; an absolute path means the same thing to both.
	if !path.IsAbs(argv[0]) {
		return fmt.Errorf("%s: command %q: want an absolute path", name, argv[0])
	}
	return nil
}
