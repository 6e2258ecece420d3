package model

import (
	"errors"
	"slices"
	"time"
)

// GateState is what the updater leader last learned from the alert gate
// (config gate-prometheus-url, key info/gate): the matching alerts that
// fire, or why Prometheus could not say. It is written when that changes,
// not on every query; Since is when the current state began. Workers read
// it for their rolling turns, so that one query serves every server.
type GateState struct {
	// Firing are the matching alerts that fire, sorted.
	Firing []string `json:"firing,omitempty"`
	// Error is why Prometheus gave no answer; the gate then holds too.
	Error string    `json:"error,omitempty"`
	Since time.Time `json:"since"`
}

// Validate checks a stored state.
func (g GateState) Validate() error {
	if g.Since.IsZero() {
		return errors.New("since: empty")
	}
	if !slices.IsSorted(g.Firing) {
		return errors.New("firing: not sorted")
	}
	return nil
}

// Open says whether the state lets a rollout go on: nothing matching
// fires and Prometheus answered.
func (g GateState) Open() bool { return g.Error == "" && len(g.Firing) == 0 }

// SameAs says whether g and o say the same, whenever each began.
func (g GateState) SameAs(o GateState) bool {
	return g.Error == o.Error && slices.Equal(g.Firing, o.Firing)
}
