package units

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSystemd drives a real systemd (see userManager) through Connect:
// what the fake tests assume about job results and unit states is what
// systemd 252 does.
func TestSystemd(t *testing.T) {
	t.Parallel()
	u := startUserManager(t)
	log := func(unit string) string {
		p := filepath.Join(u.logDir, unit+".log")
		return "StandardOutput=append:" + p + "\nStandardError=append:" + p + "\n"
	}
	u.writeUnit(t, "sleeper.service", "[Service]\nExecStart=/bin/sleep 1000\n")
	// Starts, then dies the way a daemon with a bad flag does.
	u.writeUnit(t, "crasher.service", "[Service]\n"+log("crasher.service")+
		"ExecStart=/bin/sh -c 'sleep 0.05; echo unknown flag --data-dir >&2; exit 3'\n")
	u.writeUnit(t, "prefail.service", "[Service]\n"+log("prefail.service")+
		"ExecStartPre=/bin/sh -c 'echo config check failed; exit 1'\nExecStart=/bin/sleep 1000\n")
	// Type=notify that never notifies: activating until its start timeout.
	u.writeUnit(t, "stuck.service", "[Service]\nType=notify\nExecStart=/bin/sleep 1000\n")
	// Exits 143 on SIGTERM, which systemd counts as a failure.
	u.writeUnit(t, "termfail.service", "[Service]\n"+
		"ExecStart=/bin/sh -c 'trap \"exit 143\" TERM; while :; do sleep 0.05; done'\n")

	m := u.connect(t, Options{Journal: u.journal})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	t.Run("reload", func(t *testing.T) {
		if err := m.Reload(ctx); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("start, restart, stop", func(t *testing.T) {
		if err := m.Start(ctx, "sleeper.service"); err != nil {
			t.Fatal(err)
		}
		first := mustState(t, m, "sleeper.service")
		if first.ActiveState != "active" || first.SubState != "running" || first.MainPID == 0 || first.ActiveSince.IsZero() {
			t.Fatalf("after start: %+v", first)
		}
		if err := m.Restart(ctx, "sleeper.service"); err != nil {
			t.Fatal(err)
		}
		second := mustState(t, m, "sleeper.service")
		if second.ActiveState != "active" || second.MainPID == first.MainPID || !second.ActiveSince.After(first.ActiveSince) {
			t.Fatalf("restart did not make a new process: before %+v, after %+v", first, second)
		}
		if err := m.Stop(ctx, "sleeper.service"); err != nil {
			t.Fatal(err)
		}
		if st := mustState(t, m, "sleeper.service"); st.ActiveState != "inactive" || st.MainPID != 0 {
			t.Fatalf("after stop: %+v", st)
		}
	})

	t.Run("crash right after start", func(t *testing.T) {
		err := m.Start(ctx, "crasher.service")
		wantUnitError(t, err, ErrUnitFailed, "start crasher.service: units: unit failed (failed/failed, result exit-code); journal:\nunknown flag --data-dir")
	})

	t.Run("failing ExecStartPre fails the job", func(t *testing.T) {
		err := m.Start(ctx, "prefail.service")
		wantUnitError(t, err, ErrJobFailed, "start prefail.service: units: job failed (job result failed; failed/failed, result exit-code); journal:\nconfig check failed")
	})

	t.Run("no such unit", func(t *testing.T) {
		err := m.Restart(ctx, "nope.service")
		wantUnitError(t, err, ErrNoUnit, "restart nope.service: units: no such unit (load not-found, inactive/dead)")
	})

	t.Run("masked unit", func(t *testing.T) {
		if err := os.Symlink("/dev/null", filepath.Join(u.unitDir, "masked.service")); err != nil {
			t.Fatal(err)
		}
		err := m.Start(ctx, "masked.service")
		wantUnitError(t, err, error(nil), "start masked.service: ")
		if !strings.Contains(err.Error(), "masked") || !strings.Contains(err.Error(), "(load masked, inactive/dead") {
			t.Errorf("err = %q, want it to say the unit is masked", err)
		}
	})

	t.Run("stuck activating until the deadline, then stopped", func(t *testing.T) {
		short, cancelShort := context.WithTimeout(ctx, 700*time.Millisecond)
		defer cancelShort()
		err := m.Start(short, "stuck.service")
		wantUnitError(t, err, context.DeadlineExceeded, "start stuck.service: context deadline exceeded (activating/start, result success)")
		// The start job is still queued in systemd; the stop job replaces
		// it, and its result (canceled) goes to a channel nobody reads.
		// If that blocked go-systemd, this stop would never learn its
		// own job's result.
		if err := m.Stop(ctx, "stuck.service"); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("stop ending failed counts as stopped", func(t *testing.T) {
		if err := m.Start(ctx, "termfail.service"); err != nil {
			t.Fatal(err)
		}
		if err := m.Stop(ctx, "termfail.service"); err != nil {
			t.Fatal(err)
		}
		if st := mustState(t, m, "termfail.service"); st.ActiveState != "failed" || st.Result != "exit-code" {
			t.Errorf("after stop: %+v, want failed with exit-code", st)
		}
	})

	t.Run("transient command", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "ran")
		err := m.RunTransient(ctx, "neco-test-run.service", []string{"/bin/sh", "-c", `echo "$0" > "$1"`, "dpkg ran", out})
		if err != nil {
			t.Fatal(err)
		}
		if b, err := os.ReadFile(out); err != nil || string(b) != "dpkg ran\n" {
			t.Fatalf("the command's file: %q, %v", b, err)
		}
		// Gone once done, so the name is free again.
		if st := mustState(t, m, "neco-test-run.service"); st.LoadState != "not-found" {
			t.Errorf("after success: %+v, want not-found", st)
		}

		err = m.RunTransient(ctx, "neco-test-run.service", []string{"/bin/sh", "-c", "exit 4"})
		wantUnitError(t, err, ErrJobFailed, "run neco-test-run.service: units: job failed (job result failed; failed/failed, result exit-code)")
		// Reset after the failure: the same name runs again.
		if err := m.RunTransient(ctx, "neco-test-run.service", []string{"/bin/true"}); err != nil {
			t.Fatalf("run again after a failure: %v", err)
		}
	})

	t.Run("transient command still running", func(t *testing.T) {
		short, cancelShort := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancelShort()
		err := m.RunTransient(short, "neco-test-slow.service", []string{"/bin/sleep", "1000"})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want the deadline", err)
		}
		// The command outlives the caller's context: that is the point.
		if st := mustState(t, m, "neco-test-slow.service"); st.ActiveState != "activating" || st.MainPID == 0 {
			t.Fatalf("after the deadline: %+v, want still running", st)
		}
		err = m.RunTransient(ctx, "neco-test-slow.service", []string{"/bin/sleep", "1000"})
		wantUnitError(t, err, ErrUnitExists, "run neco-test-slow.service: units: transient unit still running (activating/start")
		if err := m.Stop(ctx, "neco-test-slow.service"); err != nil {
			t.Fatal(err)
		}
	})
}

func mustState(t *testing.T, m *Manager, unit string) UnitState {
	t.Helper()
	st, err := m.State(context.Background(), unit)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// wantUnitError checks that err is a *UnitError wrapping sentinel (when
// not nil) whose message starts with prefix.
func wantUnitError(t *testing.T, err, sentinel error, prefix string) {
	t.Helper()
	var ue *UnitError
	if !errors.As(err, &ue) || sentinel != nil && !errors.Is(err, sentinel) {
		t.Fatalf("err = %v (%T), want a *UnitError wrapping %v", err, err, sentinel)
	}
	if !strings.HasPrefix(err.Error(), prefix) {
		t.Errorf("err = %q,\nwant it to start with %q", err, prefix)
	}
}
