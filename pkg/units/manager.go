package units

import (
	"context"
	"fmt"
	"time"

	sddbus "github.com/coreos/go-systemd/v22/dbus"
)

// Conn is the part of go-systemd's *dbus.Conn that Manager uses, so that
// the logic can be tested without systemd.
type Conn interface {
	ReloadContext(ctx context.Context) error
	StartUnitContext(ctx context.Context, name, mode string, ch chan<- string) (int, error)
	StopUnitContext(ctx context.Context, name, mode string, ch chan<- string) (int, error)
	RestartUnitContext(ctx context.Context, name, mode string, ch chan<- string) (int, error)
	StartTransientUnitContext(ctx context.Context, name, mode string, props []sddbus.Property, ch chan<- string) (int, error)
	ResetFailedUnitContext(ctx context.Context, name string) error
	GetUnitPropertiesContext(ctx context.Context, unit string) (map[string]any, error)
	GetUnitTypePropertiesContext(ctx context.Context, unit, unitType string) (map[string]any, error)
	Close()
}

var _ Conn = (*sddbus.Conn)(nil)

// JournalFunc returns the last lines of a unit's journal.
type JournalFunc func(ctx context.Context, unit string, lines int) (string, error)

// Options tune a Manager. The zero value is ready to use.
type Options struct {
	// BusAddress is the D-Bus address of the bus systemd is on, such as
	// unix:path=/proc/PID/root/run/dbus/system_bus_socket for a
	// container's systemd. Empty: the system bus, or systemd's private
	// socket when no bus daemon runs and the caller is root.
	BusAddress string
	// Journal reads a failed unit's last journal lines for the error.
	// Nil: JournalCtl.
	Journal JournalFunc
	// PollInterval is how often a unit's state is read while waiting for
	// it. Zero: 200ms.
	PollInterval time.Duration
}

const (
	defaultPollInterval = 200 * time.Millisecond
	// journalLines is how much of a failed unit's journal errors carry:
	// enough for a stack trace's head or a config error, short enough for
	// an etcd status value.
	journalLines = 20
)

// Manager starts, stops and restarts units and waits for their outcome. It
// holds no state besides its connection and is safe for concurrent use.
type Manager struct {
	conn    Conn
	journal JournalFunc
	poll    time.Duration
	// release ends what Connect set up besides conn; nil for NewManager.
	release func()
}

// NewManager returns a Manager over c. BusAddress is not used: c is
// already connected.
func NewManager(c Conn, o Options) *Manager {
	m := &Manager{conn: c, journal: o.Journal, poll: o.PollInterval}
	if m.journal == nil {
		m.journal = JournalCtl
	}
	if m.poll <= 0 {
		m.poll = defaultPollInterval
	}
	return m
}

// Close closes the D-Bus connection.
func (m *Manager) Close() {
	m.conn.Close()
	if m.release != nil {
		m.release()
	}
}

// Reload makes systemd re-read unit files (systemctl daemon-reload), which
// a package that installed or changed unit files needs before its units
// are started.
func (m *Manager) Reload(ctx context.Context) error {
	if err := m.conn.ReloadContext(ctx); err != nil {
		return fmt.Errorf("daemon-reload: %w", err)
	}
	return nil
}
