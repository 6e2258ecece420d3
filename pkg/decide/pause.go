package decide

import (
	"fmt"
	"time"

	"github.com/necoship/neco/pkg/model"
)

// A paused update (neco update pause) holds between steps: each server
// finishes the step it is in and starts no other, the updater opens no
// barrier, and nobody times out, since waiting is what was asked. A
// failure reported meanwhile still aborts it, and an update whose servers
// all completed still finishes. After neco update resume, silence counts
// from the resume.

// pausedReason says who paused the update, when and why.
func pausedReason(u model.Update) string {
	r := fmt.Sprintf("update %d to %s is paused", u.ID, u.Version)
	if a, ok := u.LastAct(model.ActPause); ok {
		r += fmt.Sprintf(" by %s at %s", a.By, a.At.UTC().Format("2006-01-02 15:04 MST"))
		if a.Detail != "" {
			r += ": " + a.Detail
		}
	}
	if u.PausedByWindow() {
		// An operator's resume would be undone at the next round.
		return r + "; it goes on when the release window opens"
	}
	return r + "; `neco update resume` lets it go on"
}

// resumedAt is when the update was last resumed; zero if never.
func resumedAt(u model.Update) time.Time {
	a, _ := u.LastAct(model.ActResume)
	return a.At
}
