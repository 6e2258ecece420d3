package updater

import (
	"errors"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/necoship/neco/pkg/releases"
)

// rejectLogEvery is how often, at most, refused webhook deliveries are
// logged. Anyone who can reach webhook-listen can send them; one log line
// per delivery would let them fill the journal.
const rejectLogEvery = time.Minute

// Reasons a delivery is refused before it is authenticated, as metric
// labels.
const (
	rejectSignature   = "signature"
	rejectTooLarge    = "too_large"
	rejectSecretUnset = "secret_unset"
)

// rejectSummary counts deliveries refused before authentication and logs
// them as one WARN line a minute at most, with how many there were since
// the last line and the last reason.
type rejectSummary struct {
	log     *zap.Logger
	now     func() time.Time
	counted func(reason string) // the metric; never nil

	mu      sync.Mutex
	logged  time.Time // when the last line was written
	pending int       // refused since then
}

func newRejectSummary(log *zap.Logger, now func() time.Time, counted func(string)) *rejectSummary {
	if counted == nil {
		counted = func(string) {}
	}
	return &rejectSummary{log: log, now: now, counted: counted}
}

// add records one refused delivery.
func (r *rejectSummary) add(reason string, err error) {
	r.counted(reason)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pending++
	now := r.now()
	if !r.logged.IsZero() && now.Sub(r.logged) < rejectLogEvery {
		return
	}
	r.log.Warn("webhook deliveries refused before authentication",
		zap.Int(keyCount, r.pending), zap.String(keyReason, reason), zap.Error(err),
		zap.Duration(keyEvery, rejectLogEvery))
	r.logged, r.pending = now, 0
}

// rejectReason names the refusal of releases.WebhookHandler.
func rejectReason(err error) string {
	if errors.Is(err, releases.ErrWebhookTooLarge) {
		return rejectTooLarge
	}
	return rejectSignature
}
