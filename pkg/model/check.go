package model

import (
	"errors"
	"time"
)

// CheckRequest asks the updater leader for a release check now (key
// request/check): `neco update check`, or a GitHub webhook delivery that
// any neco-updater accepted. A newer request replaces an older one; the
// answer to a newer one answers the older too, since its check ran later.
type CheckRequest struct {
	// By is user@host for the CLI, "webhook@<host>" for a delivery.
	By string    `json:"by"`
	At time.Time `json:"at"`
	// Revision is the etcd revision the request was written at; storage
	// fills it from the key, it is not stored in the value.
	Revision int64 `json:"-"`
}

// Validate checks the request.
func (r CheckRequest) Validate() error {
	if r.By == "" || len(r.By) > MaxCheckRequester {
		return errors.New("by: want 1 to 256 bytes")
	}
	return nil
}

// MaxCheckRequester bounds CheckRequest.By.
const MaxCheckRequester = 256

// CheckAnswer is the outcome of the check that answered the requests up
// to Revision (key info/check-answer): a waiting `neco update check --wait`
// returns once Revision reaches its own request's.
type CheckAnswer struct {
	// Revision is the request's revision this check answers, and every
	// request before it.
	Revision int64 `json:"revision"`
	// CheckedAt is when the check started, on the leader's clock.
	CheckedAt time.Time `json:"checked_at"`
	// Tag and Version are the channel's pick after the check; empty when
	// no release qualifies.
	Tag     string  `json:"tag,omitempty"`
	Version Version `json:"version,omitzero"`
	// New says the pick changed with this check: a release not seen
	// before.
	New bool `json:"new,omitempty"`
	// Error is why the check failed; the pick is then the last good one.
	Error string `json:"error,omitempty"`
}
