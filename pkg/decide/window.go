package decide

import (
	"fmt"
	"time"

	"github.com/necoship/neco/pkg/config"
)

// untilLayout shows the window in the release timezone, with the zone's
// abbreviation, as the operator wrote release-time.
const untilLayout = "2006-01-02 15:04 MST"

// gateWindow lets start through while a release window is open and turns it
// into wait-window otherwise. The window is checked when an update would
// start, not when the release was first seen: a release seen inside the
// window must not start after it closed because approval took an hour.
func gateWindow(in UpdaterInput, start Action) Action {
	if start.Kind != ActionStartUpdate {
		return start
	}
	open, until := releaseWindow(in.Config, in.Now)
	if open {
		if hold := gateHold(gateOn(in.Config), in.Snapshot.Gate); hold != "" {
			u := start.Update
			return Action{Kind: ActionWaitGate, Reason: fmt.Sprintf("%s of %s waits for the alert gate: %s", u.Reason, u.Version, hold)}
		}
		return start
	}
	u := start.Update
	reason := fmt.Sprintf("%s of %s waits for the release window at %s", u.Reason, u.Version, until.Format(untilLayout))
	if until.IsZero() {
		reason = fmt.Sprintf("%s of %s waits for a release window, but release-time never fires", u.Reason, u.Version)
	}
	return Action{Kind: ActionWaitWindow, Until: until, Reason: reason}
}

// releaseWindow reports whether an update may start at now and, if not,
// when the next window opens (zero when none ever does). With no
// release-time an update may start at any time.
//
// A cron expression names minutes, so the window is open during every minute
// one of the schedules fires in: Next from just before the start of the
// minute lands on that very minute. Everything is evaluated in the release
// timezone, where the cron fields mean what the operator wrote.
func releaseWindow(c config.Cluster, now time.Time) (bool, time.Time) {
	if len(c.ReleaseTime) == 0 {
		return true, time.Time{}
	}
	loc := c.ReleaseTimezone
	if loc == nil {
		loc = time.UTC
	}
	t := now.In(loc)
	// Subtracting the wall-clock seconds (rather than Truncate, which works
	// on absolute time) stays right in zones whose offset is not a whole
	// number of minutes.
	minute := t.Add(-time.Duration(t.Second())*time.Second - time.Duration(t.Nanosecond()))
	var until time.Time
	for _, s := range c.ReleaseTime {
		if s.Next(minute.Add(-time.Nanosecond)).Equal(minute) {
			return true, time.Time{}
		}
		if n := s.Next(t); !n.IsZero() && (until.IsZero() || n.Before(until)) {
			until = n
		}
	}
	return false, until
}
