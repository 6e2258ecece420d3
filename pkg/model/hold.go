package model

import (
	"errors"
	"time"
)

// Hold keeps the updater from moving the site to one version on its own
// (key policy/holds/<version>): after a rollback, so that the next release
// check does not re-apply the release just rolled back; or before a
// release known to be bad is even published. The same record, under
// policy/pin, pins the site: then no version but this one is started
// automatically. Operators write both with the CLI; only they remove them.
type Hold struct {
	Version Version `json:"version"`
	// Reason is the operator's words, shown in `neco status`.
	Reason string `json:"reason,omitempty"`
	// By names who held it (user@host of the CLI, or "rollback").
	By string    `json:"by,omitempty"`
	At time.Time `json:"at"`
}

// Validate checks a stored hold or pin.
func (h Hold) Validate() error {
	var errs []error
	if h.Version.IsZero() {
		errs = append(errs, errors.New("version: empty"))
	}
	if h.At.IsZero() {
		errs = append(errs, errors.New("at: empty"))
	}
	return errors.Join(errs...)
}
