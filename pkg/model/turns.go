package model

import (
	"errors"
	"fmt"
	"time"
)

// Turns says whose rolling turn is open at the step the barrier opened
// (key status/turns). The updater leader writes it from the reports it
// reads anyway, so that a server waiting for its turn reads this one key
// instead of every server's report. Positions count the update's servers
// in LRN order (numeric), from 0: a record's size does not grow with the
// site.
type Turns struct {
	// ID, Step and Canary are the barrier the record belongs to; a worker
	// uses no record of another barrier.
	ID     int64 `json:"id"`
	Step   int   `json:"step"`
	Canary bool  `json:"canary,omitempty"`
	// Done: the servers at positions below it have finished the step (or
	// completed the update).
	Done int `json:"done"`
	// Open: the servers at positions below it may start their turn now.
	Open int `json:"open"`
	// Soak is the next turns a soak holds; nil when none does.
	Soak *TurnSoak `json:"soak,omitempty"`
}

// TurnSoak: the servers at positions from Turns.Open up to (not
// including) Upto get their turn at At, on the leader's clock, when the
// restart of server After, the latest to finish ahead of them, has
// soaked; the leader then writes a record that opens them.
type TurnSoak struct {
	Upto  int       `json:"upto"`
	At    time.Time `json:"at"`
	After int       `json:"after"`
}

// Opens says whether the record opened the turn of the server at position
// pos. The turns a soak holds (Soak) open in the record the leader writes
// when the soak has ended on its clock, never by a server's own: boot
// servers' clocks differ.
func (t Turns) Opens(pos int) bool {
	return pos < t.Open
}

// For says whether the record belongs to barrier b.
func (t Turns) For(b Barrier) bool {
	return t.ID == b.ID && t.Step == b.Step && t.Canary == b.Canary
}

// Behind says whether t says less than o of the same barrier: fewer
// servers done or fewer turns open. A record never moves back.
func (t Turns) Behind(o Turns) bool {
	return t.Done < o.Done || t.Open < o.Open
}

// Equal says whether t and o say the same.
func (t Turns) Equal(o Turns) bool {
	mine, theirs := t.Soak, o.Soak
	t.Soak, o.Soak = nil, nil
	if t != o || (mine == nil) != (theirs == nil) {
		return false
	}
	return mine == nil || (mine.Upto == theirs.Upto && mine.At.Equal(theirs.At) && mine.After == theirs.After)
}

// Validate checks the record.
func (t Turns) Validate() error {
	var errs []error
	if t.ID <= 0 || t.Step < 0 {
		errs = append(errs, fmt.Errorf("turns id %d step %d: want id > 0, step >= 0", t.ID, t.Step))
	}
	if t.Done < 0 || t.Open < t.Done {
		errs = append(errs, fmt.Errorf("done %d, open %d: want 0 <= done <= open", t.Done, t.Open))
	}
	if s := t.Soak; s != nil {
		if s.Upto <= t.Open {
			errs = append(errs, fmt.Errorf("soak upto %d: want > open %d", s.Upto, t.Open))
		}
		if s.At.IsZero() {
			errs = append(errs, errors.New("soak at: empty"))
		}
		if CheckLRN(s.After) != nil {
			errs = append(errs, fmt.Errorf("soak after: %w", CheckLRN(s.After)))
		}
	}
	return errors.Join(errs...)
}

// RollingTurn is what a server waiting for its rolling turn reports of
// the step: the plan's max-unavailable and soak. Only the workers read
// the plan; the updater leader computes status/turns from these.
type RollingTurn struct {
	MaxUnavailable int      `json:"max_unavailable"`
	Soak           Duration `json:"soak,omitzero"`
}

// Validate checks the step's parameters as the plan does.
func (r RollingTurn) Validate() error {
	if r.MaxUnavailable < 1 || r.Soak < 0 {
		return fmt.Errorf("rolling turn max-unavailable %d soak %s: want >= 1 and >= 0", r.MaxUnavailable, time.Duration(r.Soak))
	}
	return nil
}

// Duration is a time.Duration written as Go prints it ("5m0s").
type Duration time.Duration

// MarshalText writes d as time.Duration.String does.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalText reads what MarshalText wrote.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("duration: %w", err)
	}
	*d = Duration(v)
	return nil
}
