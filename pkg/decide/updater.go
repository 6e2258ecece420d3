package decide

import (
	"slices"
	"time"

	"github.com/necoship/neco/pkg/config"
	"github.com/necoship/neco/pkg/model"
)

// UpdaterInput is everything one decision of the updater leader reads.
type UpdaterInput struct {
	// Snapshot is read at one etcd revision, so that the reports, the
	// barrier and the current update agree with each other.
	Snapshot model.Snapshot
	// Config is the parsed cluster config of the same snapshot.
	Config config.Cluster
	// Latest is the channel's pick right now; nil when nothing qualifies
	// or the check failed (the updater reports that error itself).
	Latest *model.Release
	// Now is the caller's clock, read once per decision.
	Now time.Time
	// SeenAt is when the updater leader first saw each server's report as
	// it stands (the same etcd revision), on Now's clock. Silence, the
	// canary soak and the rolling soak count from it rather than from the
	// report's UpdatedAt, which is the worker's clock: a server whose
	// clock runs behind must not look silent early, nor one ahead late. A
	// server missing from it (no report, or a caller that tracks none)
	// counts from UpdatedAt.
	SeenAt map[int]time.Time
}

// ActionKind says what the updater must do next.
type ActionKind string

// The updater's actions. Each one is a single etcd transaction for the
// updater (or nothing at all), so that a leader change between two decisions
// never leaves half an action behind.
const (
	// ActionNone: nothing to write; Reason says what is awaited.
	ActionNone ActionKind = "none"
	// ActionStartUpdate: write Update as status/current and Barrier.
	ActionStartUpdate ActionKind = "start-update"
	// ActionAdvanceBarrier: write Barrier.
	ActionAdvanceBarrier ActionKind = "advance-barrier"
	// ActionFinish: write History; Update is the unchanged current.
	ActionFinish ActionKind = "finish"
	// ActionAbort: write Update (Stop set) and History.
	ActionAbort ActionKind = "abort"
	// ActionTimeout: write Update (Stop set) and History.
	ActionTimeout ActionKind = "timeout"
	// ActionWaitApproval: write Candidate when it is set.
	ActionWaitApproval ActionKind = "wait-approval"
	// ActionWaitWindow: nothing to write; decide again at Until.
	ActionWaitWindow ActionKind = "wait-window"
	// ActionWaitAge: nothing to write; Latest becomes a candidate at Until
	// (config min-release-age).
	ActionWaitAge ActionKind = "wait-release-age"
	// ActionStopped: nothing until `neco recover` clears Stop.
	ActionStopped ActionKind = "stopped"
	// ActionWaitGate: nothing to write; the alert gate holds the start
	// (decide again when info/gate changes).
	ActionWaitGate ActionKind = "wait-gate"
	// ActionRequestRollback: write Rollback as request/rollback and Hold
	// (config on-failure rollback); the next decision starts it.
	ActionRequestRollback ActionKind = "request-rollback"
	// ActionWindowPause: write Update, the running update paused by the
	// release window (release-window-scope whole); ActionWindowResume:
	// write Update resumed when the next window opened. Each is written
	// only if status/current did not change since the snapshot.
	ActionWindowPause  ActionKind = "window-pause"
	ActionWindowResume ActionKind = "window-resume"
	// ActionWaitPromotion: nothing to write; Latest has no successful
	// deployment to config require-deployed yet (info/promotion).
	ActionWaitPromotion ActionKind = "wait-promotion"
	// ActionOpenTurns: write Turns (status/turns), whose rolling turn is
	// open at the barrier's step; written only if it says more than the
	// stored record of that barrier.
	ActionOpenTurns ActionKind = "open-turns"
)

// Action is the updater's next step. Every pointer is a fresh value the
// caller may keep or modify; none aliases the input.
type Action struct {
	Kind ActionKind
	// Update is status/current as it must be written: the new update for
	// start-update, the ended one for finish, abort and timeout, the
	// paused or resumed one for window-pause and window-resume.
	Update *model.Update
	// Barrier is {ID, 0} for start-update and the next barrier for
	// advance-barrier.
	Barrier *model.Barrier
	// Turns is status/turns for open-turns.
	Turns *model.Turns
	// History is history/<id> for finish, abort and timeout.
	History *model.HistoryEntry
	// Candidate is info/candidate to record for wait-approval, nil when the
	// same candidate is already recorded.
	Candidate *model.Candidate
	// Rollback and Hold are the automatic rollback's request and the hold
	// of the failed version (request-rollback).
	Rollback *model.RollbackRequest
	Hold     *model.Hold
	// Until is when the next release window opens (wait-window and
	// window-pause; zero if no window ever opens), when Latest is old
	// enough (wait-release-age), or when a soak ends at a rolling step
	// and more turns open (open-turns and none): the updater decides
	// again then.
	Until time.Time
	// Reason is one sentence for logs and `neco status`.
	Reason string
}

// NextAction decides the updater's next step. It never fails: input that
// storage could not decode has already been left out of the snapshot, and
// anything odd that remains ends in an action an operator can see.
func NextAction(in UpdaterInput) Action {
	s := in.Snapshot
	switch {
	case s.Rollback != nil && (s.Current == nil || s.Finished != nil):
		return startRollback(in, *s.Rollback)
	case s.Current == nil:
		return decideIdle(in)
	case s.Current.Stop:
		return decideStopped(in)
	case s.Finished == nil:
		return decideRunning(in)
	}
	return decideIdle(in)
}

// sortedLRNs returns a sorted copy without duplicates: Current.Servers comes
// from etcd, and a hand-edited value must not make a server count twice.
func sortedLRNs(lrns []int) []int {
	out := slices.Clone(lrns)
	slices.Sort(out)
	return slices.Compact(out)
}

// cloneUpdate copies u with slices of its own: an action's Update must not
// alias the snapshot it was decided on.
func cloneUpdate(u model.Update) model.Update {
	u.Servers = slices.Clone(u.Servers)
	u.Acts = slices.Clone(u.Acts)
	u.Canaries = slices.Clone(u.Canaries)
	u.Others = slices.Clone(u.Others)
	return u
}
