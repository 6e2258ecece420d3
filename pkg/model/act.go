package model

import "time"

// ActKind names what an operator forced on an update.
type ActKind string

// The operator acts an update and its history entry record.
const (
	// ActRollback: `neco rollback` started the update (with --force: Force,
	// and the once-steps it went past in Detail).
	ActRollback ActKind = "rollback"
	// ActAbort: `neco update abort` stopped it.
	ActAbort ActKind = "abort"
	// ActRecover: `neco recover` cleared its stop, so the updater may
	// retry it or go on.
	ActRecover ActKind = "recover"
	// ActPause: `neco update pause` held the update between steps (the
	// reason in Detail); ActResume: `neco update resume` let it go on.
	// neco-updater records both too, By ByReleaseWindow.
	ActPause  ActKind = "pause"
	ActResume ActKind = "resume"
	// ActApprove: `neco update approve` let the update start (approval
	// manual); Detail says since when the release had waited.
	ActApprove ActKind = "approve"
)

// ByReleaseWindow is who paused or resumed an update when neco-updater did
// it for the release window (release-window-scope whole), so that history
// and status tell it from an operator's act.
const ByReleaseWindow = "neco-updater (release window)"

// OperatorAct is one thing an operator forced on an update. The update
// (status/current) collects them and its history entry keeps them, so
// that `neco history` says who stopped, resumed or rolled back what, and
// when: the updater's own decisions are in its log, an operator's are here.
type OperatorAct struct {
	Act ActKind `json:"act"`
	// By is user@host of the CLI (SUDO_USER or USER).
	By string    `json:"by"`
	At time.Time `json:"at"`
	// Force is set for `neco rollback --force`.
	Force bool `json:"force,omitempty"`
	// Detail is what the act went past or came from, for people.
	Detail string `json:"detail,omitempty"`
}
