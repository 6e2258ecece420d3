package model

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// RollbackRequest is an operator's request to take the site back to an
// older release (key request/rollback), written by `neco rollback` after it
// checked the request against history and the irreversible runs. The
// updater leader turns it into an update with ReasonRollback and deletes it
// in the same transaction, so a request starts exactly one update.
type RollbackRequest struct {
	// Version and Tag are the release to go back to; Tag comes from the
	// history entry of the completed update to Version.
	Version Version `json:"version"`
	Tag     string  `json:"tag"`
	// From is the version the site was at when the operator asked.
	From Version `json:"from"`
	// Force records that irreversible once-steps after Version were
	// overridden (neco rollback --force).
	Force bool `json:"force,omitempty"`
	// Forced are the irreversible runs Force went past.
	Forced []IrreversibleRun `json:"forced,omitempty"`
	// Servers, when set, are the only servers the rollback runs on: those
	// the failed update changed (an automatic rollback). Empty: every
	// registered server.
	Servers []int `json:"servers,omitempty"`
	// Automatic is why neco-updater requested the rollback itself
	// (config on-failure rollback); empty for an operator's.
	Automatic string    `json:"automatic,omitempty"`
	By        string    `json:"by,omitempty"`
	At        time.Time `json:"at"`
}

// Validate checks a stored request.
func (r RollbackRequest) Validate() error {
	var errs []error
	if r.Version.IsZero() || r.Tag == "" {
		errs = append(errs, errors.New("version and tag: want both set"))
	}
	if r.From.IsZero() {
		errs = append(errs, errors.New("from: empty"))
	}
	if r.At.IsZero() {
		errs = append(errs, errors.New("at: empty"))
	}
	if err := validateLRNs(r.Servers); err != nil {
		errs = append(errs, fmt.Errorf("servers: %w", err))
	}
	return errors.Join(errs...)
}

// IrreversibleRun records that an irreversible once-step (a migration)
// began for a version (key irreversible/<version>/<name>). The worker
// leader writes it with the step's start record and nothing removes it:
// contents/<name> is overwritten by the next version, but a rollback must
// still know that this version changed something it cannot undo.
type IrreversibleRun struct {
	Name      string    `json:"name"`
	Version   Version   `json:"version"`
	StartedAt time.Time `json:"started_at"`
}

// Compare orders runs by version, then name.
func (r IrreversibleRun) Compare(o IrreversibleRun) int {
	if c := r.Version.Compare(o.Version); c != 0 {
		return c
	}
	return strings.Compare(r.Name, o.Name)
}

// Validate checks a stored run.
func (r IrreversibleRun) Validate() error {
	var errs []error
	if r.Name == "" {
		errs = append(errs, errors.New("name: empty"))
	}
	if r.Version.IsZero() {
		errs = append(errs, errors.New("version: empty"))
	}
	return errors.Join(errs...)
}
