package model

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Reason says why an update was started.
type Reason string

// The reasons of an update.
const (
	// ReasonUpdate: a new release was picked.
	ReasonUpdate Reason = "update"
	// ReasonReconfigure: the registered server set changed.
	ReasonReconfigure Reason = "reconfigure"
	// ReasonRollback: an operator asked for an older release.
	ReasonRollback Reason = "rollback"
)

// Cond is a worker's condition within one update.
type Cond string

// The worker conditions.
const (
	CondRunning   Cond = "running"
	CondCompleted Cond = "completed"
	CondAborted   Cond = "aborted"
	CondTimedOut  Cond = "timedout"
)

// Result is how an update ended, as recorded in history.
type Result string

// The update results.
const (
	ResultCompleted Result = "completed"
	ResultAborted   Result = "aborted"
	ResultTimedOut  Result = "timedout"
)

// Bootserver is a registered boot server (key bootservers/<LRN>).
type Bootserver struct {
	LRN      int       `json:"lrn"`
	Hostname string    `json:"hostname"`
	JoinedAt time.Time `json:"joined_at"`
}

// SeenRelease is the latest release the updater saw (key info/release).
type SeenRelease struct {
	Version     Version   `json:"version"`
	Tag         string    `json:"tag"`
	Prerelease  bool      `json:"prerelease"`
	PublishedAt time.Time `json:"published_at"`
}

// ReleaseCheck is the outcome of the updater's release checks (key
// info/check). It is written when the outcome changes, not on every check,
// so a healthy cluster costs no etcd writes per poll; Since is when the
// current outcome began.
type ReleaseCheck struct {
	// Error is empty while checks succeed; otherwise the last failure
	// (authentication, rate limit, unreachable API), never a secret.
	Error string    `json:"error,omitempty"`
	Since time.Time `json:"since"`
}

// Candidate is a release waiting for manual approval (key info/candidate).
// `neco update approve VERSION` sets Approved, ApprovedBy and ApprovedAt.
type Candidate struct {
	Version  Version `json:"version"`
	Tag      string  `json:"tag"`
	Approved bool    `json:"approved"`
	// Since is when the updater recorded it: the wait began (and was
	// announced) then. Zero in candidates written before it was recorded.
	Since time.Time `json:"since,omitzero"`
	// ApprovedBy (user@host) and ApprovedAt say who approved it, and when;
	// the update it starts records them as an approve act.
	ApprovedBy string    `json:"approved_by,omitempty"`
	ApprovedAt time.Time `json:"approved_at,omitzero"`
}

// Update is the running or last update (key status/current).
type Update struct {
	// ID increases by one for every update the cluster ever starts.
	ID      int64   `json:"id"`
	Version Version `json:"version"`
	Tag     string  `json:"tag"`
	// Servers are the LRNs taking part, sorted numerically.
	Servers []int `json:"servers"`
	// Stop is set when the update was aborted or timed out; workers stop
	// at once and nothing restarts until `neco recover`.
	Stop      bool      `json:"stop"`
	Reason    Reason    `json:"reason"`
	StartedAt time.Time `json:"started_at"`
	// Acts are what operators forced on this update so far, oldest first.
	Acts []OperatorAct `json:"acts,omitempty"`
	// Paused holds the update between steps (neco update pause): servers
	// finish the step they are in and start no other, the barrier does
	// not move and nobody times out, until neco update resume.
	Paused bool `json:"paused,omitempty"`
	// From and FromTag are the release the site ran before this update
	// (the last one that completed): where an automatic rollback goes.
	// Empty for the first update.
	From    Version `json:"from,omitzero"`
	FromTag string  `json:"from_tag,omitempty"`
	// Others are servers of the site that already run Version and take no
	// part: an automatic rollback runs only on the servers the failed
	// update changed. A later update counts them as covered (no
	// reconfigure for them).
	Others []int `json:"others,omitempty"`
	// Canaries are the servers that run every step before the once-steps
	// first (config canary: the first N of Servers), sorted; the others
	// start step 0 only after them. Empty: no canary phase.
	Canaries []int `json:"canaries,omitempty"`
}

// IsCanary says whether server lrn is a canary of the update.
func (u Update) IsCanary(lrn int) bool { return slices.Contains(u.Canaries, lrn) }

// Barrier is the step every worker of update ID may now enter (key
// status/barrier).
type Barrier struct {
	ID   int64 `json:"id"`
	Step int   `json:"step"`
	// OpenedAt is when the updater opened Step: a worker's silence counts
	// from then, not from its report at the end of the step before, which
	// may be as old as the slowest server made the barrier wait. Zero in
	// barriers written before it was recorded.
	OpenedAt time.Time `json:"opened_at,omitzero"`
	// Canary says Step is open to the update's canaries only: the canary
	// phase. The other servers have not started; when the canaries are
	// done, the barrier leaves the phase and opens step 0 to them.
	Canary bool `json:"canary,omitempty"`
}

// Before says whether b comes before o in the same update: the canary
// phase before the rest, then by step. Barriers only move forward.
func (b Barrier) Before(o Barrier) bool {
	if b.Canary != o.Canary {
		return b.Canary
	}
	return b.Step < o.Step
}

// WorkerStatus is one worker's report (key status/bootservers/<LRN>).
type WorkerStatus struct {
	ID      int64   `json:"id"`
	Version Version `json:"version"`
	// Step is the step the worker is in (Cond running) or finished.
	Step      int       `json:"step"`
	StepName  string    `json:"step_name,omitempty"`
	Cond      Cond      `json:"cond"`
	Message   string    `json:"message,omitempty"`
	UpdatedAt time.Time `json:"updated_at"`
	// Canaried says this canary finished every step before the
	// once-steps during the canary phase and waits for the other servers.
	Canaried bool `json:"canaried,omitempty"`
	// Turn is set while the server waits for its rolling turn at Step:
	// the step's max-unavailable and soak, from which the updater leader
	// computes status/turns.
	Turn *RollingTurn `json:"turn,omitempty"`
	// Revision is the etcd revision the report was written at; storage
	// fills it from the key when it reads a snapshot, it is not stored in
	// the value. The updater leader tells a new report from one it saw by
	// it, on its own clock (decide.UpdaterInput.SeenAt).
	Revision int64 `json:"-"`
	// Notes are what the worker did in this update that the plan did not
	// ask for and an SRE should know of (a package dpkg had left half-way
	// and the worker repaired, service restarts of maintainer scripts it
	// denied). Every report of the update carries them, so that the last
	// one still says so; nothing decides on them.
	Notes []string `json:"notes,omitempty"`
}

// Content records a once-per-cluster step (key contents/<name>).
type Content struct {
	Version Version `json:"version"`
	Success bool    `json:"success"`
}

// HistoryEntry records how one update ended (key history/<id>).
type HistoryEntry struct {
	ID         int64     `json:"id"`
	Version    Version   `json:"version"`
	Tag        string    `json:"tag"`
	Reason     Reason    `json:"reason"`
	Result     Result    `json:"result"`
	Servers    []int     `json:"servers"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	Message    string    `json:"message,omitempty"`
	// Acts are the update's operator acts: those it had when it ended,
	// and a `neco recover` of it afterwards.
	Acts []OperatorAct `json:"acts,omitempty"`
}

// Validate checks what decoding cannot: enums, ranges, sorted servers.
func (u Update) Validate() error {
	var errs []error
	if u.ID <= 0 {
		errs = append(errs, fmt.Errorf("id %d: want > 0", u.ID))
	}
	if u.Version.IsZero() {
		errs = append(errs, errors.New("version: empty"))
	}
	if !slices.Contains([]Reason{ReasonUpdate, ReasonReconfigure, ReasonRollback}, u.Reason) {
		errs = append(errs, fmt.Errorf("reason %q: want update, reconfigure or rollback", u.Reason))
	}
	if err := validateLRNs(u.Servers); err != nil {
		errs = append(errs, fmt.Errorf("servers: %w", err))
	}
	if err := validateLRNs(u.Others); err != nil {
		errs = append(errs, fmt.Errorf("others: %w", err))
	}
	for _, o := range u.Others {
		if slices.Contains(u.Servers, o) {
			errs = append(errs, fmt.Errorf("others: %d is also one of the servers", o))
		}
	}
	if err := validateLRNs(u.Canaries); err != nil {
		errs = append(errs, fmt.Errorf("canaries: %w", err))
	}
	for _, c := range u.Canaries {
		if !slices.Contains(u.Servers, c) {
			errs = append(errs, fmt.Errorf("canaries: %d is not one of the servers", c))
		}
	}
	if len(u.Canaries) > 0 && len(u.Canaries) >= len(u.Servers) {
		errs = append(errs, fmt.Errorf("canaries: %d of %d servers; want fewer, or none", len(u.Canaries), len(u.Servers)))
	}
	return errors.Join(errs...)
}

// Validate checks the worker's report.
func (w WorkerStatus) Validate() error {
	var errs []error
	if w.ID <= 0 {
		errs = append(errs, fmt.Errorf("id %d: want > 0", w.ID))
	}
	if w.Step < 0 {
		errs = append(errs, fmt.Errorf("step %d: want >= 0", w.Step))
	}
	if !slices.Contains([]Cond{CondRunning, CondCompleted, CondAborted, CondTimedOut}, w.Cond) {
		errs = append(errs, fmt.Errorf("cond %q: want running, completed, aborted or timedout", w.Cond))
	}
	if w.Turn != nil {
		if err := w.Turn.Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Validate checks the barrier.
func (b Barrier) Validate() error {
	if b.ID <= 0 || b.Step < 0 {
		return fmt.Errorf("barrier id %d step %d: want id > 0, step >= 0", b.ID, b.Step)
	}
	return nil
}

// Validate checks the registration.
func (b Bootserver) Validate() error {
	if err := CheckLRN(b.LRN); err != nil {
		return err
	}
	return CheckHostname(b.Hostname)
}

// validateLRNs requires LRNs to be non-negative, unique and sorted
// numerically (etcd lists keys lexically: 10 before 2).
func validateLRNs(lrns []int) error {
	for i, l := range lrns {
		if err := CheckLRN(l); err != nil {
			return err
		}
		if i > 0 && lrns[i-1] >= l {
			return fmt.Errorf("not sorted and unique at %d", l)
		}
	}
	return nil
}

// PausedByWindow says the update is paused and the pause is neco-updater's
// own, outside the release window (release-window-scope whole): the
// updater resumes it when the next window opens. An operator's pause is
// never resumed by the window.
func (u Update) PausedByWindow() bool {
	a, ok := u.LastAct(ActPause)
	return u.Paused && ok && a.By == ByReleaseWindow
}

// LastAct is the latest act of kind on the update; ok is false when none.
func (u Update) LastAct(kind ActKind) (OperatorAct, bool) {
	for i := len(u.Acts) - 1; i >= 0; i-- {
		if u.Acts[i].Act == kind {
			return u.Acts[i], true
		}
	}
	return OperatorAct{}, false
}
