package units

import (
	"fmt"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
)

// ServiceNotifier tells the service manager about the daemon it runs in
// (sd_notify): READY=1, STATUS= lines and watchdog pings, through the
// datagram socket systemd names in $NOTIFY_SOCKET. Outside a Type=notify
// unit the variable is unset and every call is a no-op, so a daemon started
// by hand needs no flag.
type ServiceNotifier struct{}

// Notify sends one state assignment ("READY=1", "STATUS=...",
// "WATCHDOG=1"). No socket is not an error.
func (ServiceNotifier) Notify(state string) error {
	if _, err := daemon.SdNotify(false, state); err != nil {
		return fmt.Errorf("sd_notify: %w", err)
	}
	return nil
}

// WatchdogInterval is the unit's WatchdogSec= when systemd expects pings
// from this process, else 0.
func (ServiceNotifier) WatchdogInterval() time.Duration {
	d, err := daemon.SdWatchdogEnabled(false)
	if err != nil {
		return 0 // a malformed WATCHDOG_USEC: systemd did not set it
	}
	return d
}
