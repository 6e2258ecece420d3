package daemon

import (
	"context"
	"sync"
	"time"

	"go.uber.org/zap"
)

// ServiceManager is how a daemon talks to the service manager that runs
// it; units.ServiceNotifier is the systemd one.
type ServiceManager interface {
	Notify(state string) error
	WatchdogInterval() time.Duration
}

// Supervisor keeps systemd informed about a daemon: READY=1 once it has
// read etcd, STATUS= lines saying what it does, and watchdog pings that
// prove its main loop still goes round. A loop calls Beat every round and
// must go round at least every BeatEvery; a loop stuck in a call stops the
// pings, and systemd restarts the service after WatchdogSec.
//
// A nil *Supervisor does nothing, for tests and tools.
type Supervisor struct {
	sm       ServiceManager
	log      *zap.Logger
	interval time.Duration // WatchdogSec; 0: no watchdog
	now      func() time.Time

	mu       sync.Mutex
	ready    bool
	status   string
	lastPing time.Time
	failed   bool // the last notification failed (logged once)
}

// NewSupervisor reads the watchdog interval of sm once: systemd sets it at
// start and it never changes for the life of the process. A nil sm (no
// service manager to tell) gives a nil Supervisor.
func NewSupervisor(sm ServiceManager, log *zap.Logger) *Supervisor {
	if sm == nil {
		return nil
	}
	return &Supervisor{sm: sm, log: log, interval: sm.WatchdogInterval(), now: time.Now}
}

// Ready tells systemd that start-up is complete; later calls do nothing.
func (s *Supervisor) Ready() {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ready {
		return
	}
	s.ready = true
	s.send("READY=1")
}

// Status sets the line `systemctl status` shows; repeating the current one
// sends nothing.
func (s *Supervisor) Status(msg string) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if msg == s.status {
		return
	}
	s.status = msg
	s.send("STATUS=" + msg)
}

// Beat says the calling loop went round. It pings the watchdog, at most
// four times per interval: a loop that goes round every few seconds must
// not send a datagram each time.
func (s *Supervisor) Beat() {
	if s == nil || s.interval <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if now.Sub(s.lastPing) < s.interval/4 {
		return
	}
	s.lastPing = now
	s.send("WATCHDOG=1")
}

// BeatEvery is the longest a loop may wait between two Beats; 0 when no
// watchdog is armed. Half the interval leaves room for a slow round.
func (s *Supervisor) BeatEvery() time.Duration {
	if s == nil {
		return 0
	}
	return s.interval / 2
}

// MaxWait bounds a loop's wait d so that it beats in time: d, or BeatEvery
// when the watchdog is armed and wants a beat sooner.
func (s *Supervisor) MaxWait(d time.Duration) time.Duration {
	if b := s.BeatEvery(); b > 0 && b < d {
		return b
	}
	return d
}

// BeatWhile beats every BeatEvery until ctx ends, for a daemon whose main
// loop is legitimately blocked elsewhere (an updater that is not leader
// waits in its campaign). Returns at once without a watchdog.
func (s *Supervisor) BeatWhile(ctx context.Context, idle func() bool) {
	every := s.BeatEvery()
	if every <= 0 {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if idle() {
				s.Beat()
			}
		}
	}
}

// send delivers one state; a failure is logged once until one succeeds
// again (the socket is local; failing means systemd went away).
func (s *Supervisor) send(state string) {
	err := s.sm.Notify(state)
	switch {
	case err != nil && !s.failed:
		s.failed = true
		s.log.Warn("cannot notify systemd", zap.Error(err))
	case err == nil:
		s.failed = false
	}
}
