package decide

import (
	"fmt"
	"time"

	"github.com/necoship/neco/pkg/config"
	"github.com/necoship/neco/pkg/model"
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

// With release-window-scope whole, release-time bounds a whole update, not
// only its start: outside the window the updater pauses the running update
// (workers finish the step they are in and start no other, nobody times
// out), and when a window opens it resumes it. It is the pause of neco
// update pause, recorded as an act By model.ByReleaseWindow, so status and
// history show it the same way and an operator's pause is never resumed by
// the window. A rollback is a repair: no window holds it.

// windowPause decides the window's pause or resume of the running update
// cur; ok is false when the window changes nothing.
func windowPause(in UpdaterInput, cur model.Update) (Action, bool) {
	holds, until := windowHolds(in.Config, cur, in.Now)
	var act model.OperatorAct
	var kind ActionKind
	var reason string
	switch {
	case holds && !cur.Paused:
		kind = ActionWindowPause
		act = model.OperatorAct{Act: model.ActPause, Detail: "the release window closed; it opens again at " + until.Format(untilLayout)}
		if until.IsZero() {
			act.Detail = "the release window closed, and release-time never fires again"
		}
		reason = fmt.Sprintf("update %d to %s pauses between steps: %s (release-window-scope whole)", cur.ID, cur.Version, act.Detail)
	case !holds && cur.PausedByWindow():
		kind = ActionWindowResume
		act = model.OperatorAct{Act: model.ActResume, Detail: "a release window opened"}
		reason = fmt.Sprintf("update %d to %s goes on: %s", cur.ID, cur.Version, act.Detail)
	default:
		return Action{}, false
	}
	act.By, act.At = model.ByReleaseWindow, in.Now
	u := cloneUpdate(cur)
	u.Paused = kind == ActionWindowPause
	u.Acts = append(u.Acts, act)
	return Action{Kind: kind, Update: &u, Until: until, Reason: reason}, true
}

// windowHolds says whether the release window holds the running update cur
// at now (release-window-scope whole, release-time set, no window open, not
// a rollback), and when the next window opens.
func windowHolds(c config.Cluster, cur model.Update, now time.Time) (bool, time.Time) {
	if c.ReleaseWindowScope != config.WindowScopeWhole || cur.Reason == model.ReasonRollback {
		return false, time.Time{}
	}
	open, until := releaseWindow(c, now)
	return !open, until
}
