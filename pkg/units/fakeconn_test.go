package units

import (
	"context"
	"fmt"
	"testing"
	"time"

	sddbus "github.com/coreos/go-systemd/v22/dbus"
)

// FakeConn is a Conn whose every method is a function field; a nil field
// fails the test that reaches it.
type FakeConn struct {
	t                         *testing.T
	ReloadFunc                func(ctx context.Context) error
	StartUnitFunc             func(ctx context.Context, name, mode string, ch chan<- string) (int, error)
	StopUnitFunc              func(ctx context.Context, name, mode string, ch chan<- string) (int, error)
	RestartUnitFunc           func(ctx context.Context, name, mode string, ch chan<- string) (int, error)
	StartTransientUnitFunc    func(ctx context.Context, name, mode string, props []sddbus.Property, ch chan<- string) (int, error)
	ResetFailedUnitFunc       func(ctx context.Context, name string) error
	GetUnitPropertiesFunc     func(ctx context.Context, unit string) (map[string]any, error)
	GetUnitTypePropertiesFunc func(ctx context.Context, unit, unitType string) (map[string]any, error)
	CloseFunc                 func()
}

var _ Conn = (*FakeConn)(nil)

func (f *FakeConn) missing(name string) {
	f.t.Helper()
	f.t.Fatalf("FakeConn.%s called but not scripted", name)
}

func (f *FakeConn) ReloadContext(ctx context.Context) error {
	if f.ReloadFunc == nil {
		f.missing("ReloadContext")
	}
	return f.ReloadFunc(ctx)
}

func (f *FakeConn) StartUnitContext(ctx context.Context, name, mode string, ch chan<- string) (int, error) {
	if f.StartUnitFunc == nil {
		f.missing("StartUnitContext")
	}
	return f.StartUnitFunc(ctx, name, mode, ch)
}

func (f *FakeConn) StopUnitContext(ctx context.Context, name, mode string, ch chan<- string) (int, error) {
	if f.StopUnitFunc == nil {
		f.missing("StopUnitContext")
	}
	return f.StopUnitFunc(ctx, name, mode, ch)
}

func (f *FakeConn) RestartUnitContext(ctx context.Context, name, mode string, ch chan<- string) (int, error) {
	if f.RestartUnitFunc == nil {
		f.missing("RestartUnitContext")
	}
	return f.RestartUnitFunc(ctx, name, mode, ch)
}

func (f *FakeConn) StartTransientUnitContext(ctx context.Context, name, mode string, props []sddbus.Property, ch chan<- string) (int, error) {
	if f.StartTransientUnitFunc == nil {
		f.missing("StartTransientUnitContext")
	}
	return f.StartTransientUnitFunc(ctx, name, mode, props, ch)
}

func (f *FakeConn) ResetFailedUnitContext(ctx context.Context, name string) error {
	if f.ResetFailedUnitFunc == nil {
		f.missing("ResetFailedUnitContext")
	}
	return f.ResetFailedUnitFunc(ctx, name)
}

func (f *FakeConn) GetUnitPropertiesContext(ctx context.Context, unit string) (map[string]any, error) {
	if f.GetUnitPropertiesFunc == nil {
		f.missing("GetUnitPropertiesContext")
	}
	return f.GetUnitPropertiesFunc(ctx, unit)
}

func (f *FakeConn) GetUnitTypePropertiesContext(ctx context.Context, unit, unitType string) (map[string]any, error) {
	if f.GetUnitTypePropertiesFunc == nil {
		f.missing("GetUnitTypePropertiesContext")
	}
	return f.GetUnitTypePropertiesFunc(ctx, unit, unitType)
}

func (f *FakeConn) Close() {
	if f.CloseFunc != nil {
		f.CloseFunc()
	}
}

// story scripts one unit as systemd would show it to the Manager.
type story struct {
	// states are returned by successive state reads, the first being the
	// check before the job; the last one repeats.
	states []UnitState
	// job is the result sent on the job channel; "" sends nothing (the
	// job never ends).
	job string
	// queueErr is returned by the call that queues the job.
	queueErr error
	// resetErr is returned by ResetFailedUnitContext.
	resetErr error
}

// recording is what a scripted FakeConn saw.
type recording struct {
	calls      []string // queued jobs and resets, "start x.service replace"
	reads      int
	props      []sddbus.Property
	journalFor []string
}

// scripted returns a FakeConn playing s, and what it records.
func scripted(t *testing.T, s story) (*FakeConn, *recording) {
	rec := &recording{}
	var current UnitState
	queue := func(verb string) func(context.Context, string, string, chan<- string) (int, error) {
		return func(_ context.Context, name, mode string, ch chan<- string) (int, error) {
			rec.calls = append(rec.calls, fmt.Sprintf("%s %s %s", verb, name, mode))
			if cap(ch) < 1 {
				t.Errorf("%s %s: job channel is unbuffered", verb, name)
			}
			if s.queueErr != nil {
				return 0, s.queueErr
			}
			if s.job != "" {
				ch <- s.job
			}
			return len(rec.calls), nil
		}
	}
	f := &FakeConn{
		t:               t,
		StartUnitFunc:   queue("start"),
		StopUnitFunc:    queue("stop"),
		RestartUnitFunc: queue("restart"),
		StartTransientUnitFunc: func(ctx context.Context, name, mode string, props []sddbus.Property, ch chan<- string) (int, error) {
			rec.props = props
			return queue("transient")(ctx, name, mode, ch)
		},
		ResetFailedUnitFunc: func(_ context.Context, name string) error {
			rec.calls = append(rec.calls, "reset-failed "+name)
			return s.resetErr
		},
		GetUnitPropertiesFunc: func(ctx context.Context, unit string) (map[string]any, error) {
			if err := ctx.Err(); err != nil {
				return nil, err // as godbus does for a call on an ended context
			}
			current = s.states[min(rec.reads, len(s.states)-1)]
			rec.reads++
			return unitProps(unit, current), nil
		},
		GetUnitTypePropertiesFunc: func(_ context.Context, _, unitType string) (map[string]any, error) {
			if unitType != "Service" {
				t.Errorf("unit type %q, want Service", unitType)
			}
			return map[string]any{"Result": current.Result, "MainPID": current.MainPID, "Type": "simple"}, nil
		},
	}
	return f, rec
}

// unitProps is the Unit interface of s, typed as go-systemd returns it.
func unitProps(unit string, s UnitState) map[string]any {
	load := s.LoadState
	if load == "" {
		load = "loaded"
	}
	var since uint64
	if !s.ActiveSince.IsZero() {
		since = uint64(s.ActiveSince.UnixMicro())
	}
	return map[string]any{
		"Id":                   unit,
		"LoadState":            load,
		"ActiveState":          s.ActiveState,
		"SubState":             s.SubState,
		"ActiveEnterTimestamp": since,
		"Description":          "scripted " + unit,
	}
}

// Unit states the tests tell stories with.
var (
	t0 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	t1 = t0.Add(3 * time.Second)

	running0     = UnitState{ActiveState: "active", SubState: "running", Result: "success", MainPID: 42, ActiveSince: t0}
	running1     = UnitState{ActiveState: "active", SubState: "running", Result: "success", MainPID: 43, ActiveSince: t1}
	activating   = UnitState{ActiveState: "activating", SubState: "start", Result: "success"}
	autoRestart  = UnitState{ActiveState: "activating", SubState: "auto-restart", Result: "exit-code"}
	crashed      = UnitState{ActiveState: "failed", SubState: "failed", Result: "exit-code"}
	dead         = UnitState{ActiveState: "inactive", SubState: "dead", Result: "success"}
	deactivating = UnitState{ActiveState: "deactivating", SubState: "stop-sigterm", Result: "success", MainPID: 42}
	notFound     = UnitState{LoadState: "not-found", ActiveState: "inactive", SubState: "dead"}
)
