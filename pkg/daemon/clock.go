package daemon

import (
	"fmt"
	"os"
	"time"
)

// ClockOffsetEnv names the environment variable that moves a daemon's clock
// by a Go duration ("5m", "-90s"). It exists for the data-center test's
// clock-skew scenario (docs/dctest.md): a systemd-nspawn machine shares the
// host's wall clock, and a time namespace moves only the monotonic ones, so
// a boot server whose clock runs ahead is made by moving what its daemons
// read. It moves the clock the decisions, reports and timestamps read, not
// timers and timeouts, which run on Go's monotonic clock.
const ClockOffsetEnv = "NECO_TEST_CLOCK_OFFSET"

// clockFromEnv is time.Now, moved by ClockOffsetEnv when it is set. The
// offset is returned so that the daemon can log it: a production server
// must never run with one unnoticed.
func clockFromEnv() (now func() time.Time, offset time.Duration, err error) {
	v, ok := os.LookupEnv(ClockOffsetEnv)
	if !ok || v == "" {
		return time.Now, 0, nil
	}
	offset, err = time.ParseDuration(v)
	if err != nil {
		return nil, 0, fmt.Errorf("%s=%q: %w", ClockOffsetEnv, v, err)
	}
	return func() time.Time { return time.Now().Add(offset) }, offset, nil
}
