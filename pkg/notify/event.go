package notify

import (
	"slices"
	"time"

	"github.com/necoship/neco/pkg/model"
)

// Kind says which moment of an update an Event reports.
type Kind string

// The event kinds. The finished kinds spell model.Result's values so that a
// history entry maps onto a Kind without a table to keep in sync.
const (
	KindStarted   Kind = "started"
	KindCompleted Kind = Kind(model.ResultCompleted)
	KindAborted   Kind = Kind(model.ResultAborted)
	KindTimedOut  Kind = Kind(model.ResultTimedOut)
	// KindAwaitingApproval: a release waits for `neco update approve`
	// (approval manual). It is about no update yet: UpdateID is 0,
	// StartedAt is when the wait began, Message the command to run.
	KindAwaitingApproval Kind = "awaiting-approval"
)

// phrase is the kind as words for people: "timed out", not "timedout".
// An unknown kind is shown as it is, never mislabelled.
func (k Kind) phrase() string {
	switch k {
	case KindStarted, KindCompleted, KindAborted:
		return string(k)
	case KindTimedOut:
		return "timed out"
	case KindAwaitingApproval:
		return "awaiting approval"
	}
	return "ended: " + string(k)
}

// Event is one notification: an update started, or ended one way or another.
// It is a plain value, decoupled from model, so that senders format it
// without knowing etcd's records.
type Event struct {
	Kind     Kind
	UpdateID int64
	Version  string
	Tag      string
	Env      string
	// Site is the site's short name (config site); "" when unnamed.
	Site string
	// Reason is why the update started: update, reconfigure or rollback.
	Reason string
	// Servers are the LRNs taking part, sorted numerically.
	Servers   []int
	StartedAt time.Time
	// FinishedAt is zero for KindStarted.
	FinishedAt time.Time
	// Message is the failure reason for aborted and timed-out updates.
	Message string
	// ReleaseURL links to the release page; empty when unknown.
	ReleaseURL string
}

// Started describes update u as it begins.
func Started(u model.Update, env, releaseURL string) Event {
	return Event{
		Kind:       KindStarted,
		UpdateID:   u.ID,
		Version:    u.Version.String(),
		Tag:        u.Tag,
		Env:        env,
		Reason:     string(u.Reason),
		Servers:    slices.Clone(u.Servers),
		StartedAt:  u.StartedAt,
		ReleaseURL: releaseURL,
	}
}

// Finished describes how update u ended, as history entry h records it. The
// Kind comes from h.Result (an unknown result passes through as its own
// Kind rather than being mislabelled). h is the record of the end, so its
// fields win; u fills in whatever h leaves empty.
func Finished(u model.Update, h model.HistoryEntry, env, releaseURL string) Event {
	e := Started(u, env, releaseURL)
	e.Kind = Kind(h.Result)
	if h.ID != 0 {
		e.UpdateID = h.ID
	}
	if !h.Version.IsZero() {
		e.Version = h.Version.String()
	}
	if h.Tag != "" {
		e.Tag = h.Tag
	}
	if h.Reason != "" {
		e.Reason = string(h.Reason)
	}
	if len(h.Servers) > 0 {
		e.Servers = slices.Clone(h.Servers)
	}
	if !h.StartedAt.IsZero() {
		e.StartedAt = h.StartedAt
	}
	e.FinishedAt = h.FinishedAt
	e.Message = h.Message
	return e
}

// AwaitingApproval announces that release c waits for approval, once,
// when the updater records it as the candidate.
func AwaitingApproval(c model.Candidate, env, releaseURL string) Event {
	return Event{
		Kind:       KindAwaitingApproval,
		Version:    c.Version.String(),
		Tag:        c.Tag,
		Env:        env,
		StartedAt:  c.Since,
		Message:    "approve with: neco update approve " + c.Version.String(),
		ReleaseURL: releaseURL,
	}
}

// failed reports whether the event is an update that did not complete.
func (e Event) failed() bool {
	return e.Kind != KindStarted && e.Kind != KindCompleted && e.Kind != KindAwaitingApproval
}

// duration is how long a finished update ran; false when unknown (a
// started event, a missing timestamp, or a clock that went backwards).
func (e Event) duration() (time.Duration, bool) {
	if e.StartedAt.IsZero() || e.FinishedAt.IsZero() || e.FinishedAt.Before(e.StartedAt) {
		return 0, false
	}
	return e.FinishedAt.Sub(e.StartedAt), true
}
