package daemon

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

// FakeServiceManager records what a daemon tells systemd.
type FakeServiceManager struct {
	mu       sync.Mutex
	States   []string
	Interval time.Duration
	Err      error
}

var _ ServiceManager = (*FakeServiceManager)(nil)

func (f *FakeServiceManager) Notify(state string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.States = append(f.States, state)
	return f.Err
}

func (f *FakeServiceManager) WatchdogInterval() time.Duration { return f.Interval }

func (f *FakeServiceManager) states() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.States...)
}

func TestSupervisor(t *testing.T) {
	sm := &FakeServiceManager{Interval: 60 * time.Second}
	s := NewSupervisor(sm, zap.NewNop())
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return now }

	s.Status("connecting to etcd")
	s.Ready()
	s.Ready()
	s.Status("connecting to etcd") // unchanged: not sent again
	s.Status("waiting for barrier 3 of 5")
	s.Beat()
	now = now.Add(5 * time.Second)
	s.Beat() // too soon after the last ping
	now = now.Add(10 * time.Second)
	s.Beat() // 15s = interval/4 later
	want := []string{"STATUS=connecting to etcd", "READY=1", "STATUS=waiting for barrier 3 of 5", "WATCHDOG=1", "WATCHDOG=1"}
	if diff := cmp.Diff(want, sm.states()); diff != "" {
		t.Errorf("states mismatch (-want +got):\n%s", diff)
	}
	if got := s.BeatEvery(); got != 30*time.Second {
		t.Errorf("BeatEvery() = %s, want 30s", got)
	}
	if got := s.MaxWait(5 * time.Second); got != 5*time.Second {
		t.Errorf("MaxWait(5s) = %s, want 5s", got)
	}
	if got := s.MaxWait(time.Minute); got != 30*time.Second {
		t.Errorf("MaxWait(1m) = %s, want 30s", got)
	}
}

func TestSupervisorWithoutWatchdog(t *testing.T) {
	sm := &FakeServiceManager{}
	s := NewSupervisor(sm, zap.NewNop())
	s.Beat()
	s.BeatWhile(context.Background(), func() bool { return true }) // returns at once
	if got := sm.states(); len(got) != 0 {
		t.Errorf("sent %v without a watchdog", got)
	}
	if got := s.MaxWait(time.Hour); got != time.Hour {
		t.Errorf("MaxWait without a watchdog = %s, want the wait unchanged", got)
	}
	nilSup := NewSupervisor(nil, zap.NewNop())
	if nilSup != nil {
		t.Fatal("NewSupervisor(nil) is not nil")
	}
	nilSup.Ready()
	nilSup.Status("x")
	nilSup.Beat()
}

func TestSupervisorBeatWhile(t *testing.T) {
	sm := &FakeServiceManager{Interval: 40 * time.Millisecond}
	s := NewSupervisor(sm, zap.NewNop())
	var mu sync.Mutex
	idle := false
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); s.BeatWhile(ctx, func() bool { mu.Lock(); defer mu.Unlock(); return idle }) }()
	time.Sleep(200 * time.Millisecond) // busy: the loop beats itself, BeatWhile must not
	if got := sm.states(); len(got) != 0 {
		t.Errorf("pinged while not idle: %v", got)
	}
	mu.Lock()
	idle = true
	mu.Unlock()
	deadline := time.Now().Add(10 * time.Second)
	for len(sm.states()) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	if got := sm.states(); len(got) == 0 || got[0] != "WATCHDOG=1" {
		t.Errorf("states while idle = %v, want pings", got)
	}
}

func TestSupervisorLogsFailureOnce(t *testing.T) {
	core, logs := observer.New(zap.WarnLevel)
	sm := &FakeServiceManager{Err: errors.New("connection refused")}
	s := NewSupervisor(sm, zap.New(core))
	s.Ready()
	s.Status("a")
	s.Status("b")
	if n := logs.Len(); n != 1 {
		t.Errorf("logged %d warnings, want 1", n)
	}
	sm.mu.Lock()
	sm.Err = nil
	sm.mu.Unlock()
	s.Status("c")
	sm.mu.Lock()
	sm.Err = errors.New("again")
	sm.mu.Unlock()
	s.Status("d")
	if n := logs.Len(); n != 2 {
		t.Errorf("logged %d warnings after recovering and failing again, want 2", n)
	}
}
