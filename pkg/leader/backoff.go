package leader

import (
	"math/rand/v2"
	"time"
)

// backoff spaces out election cycles so that a lead function failing at
// once, an unreachable etcd or a flapping session cannot make Run spin.
// Pauses double from min to max; the jitter keeps candidates that failed
// together (an etcd outage) from retrying in lockstep.
type backoff struct {
	min, max time.Duration
	n        int       // cycles ended in a row, each close after the previous
	last     time.Time // when the previous cycle ended
}

func newBackoff(lo, hi time.Duration) *backoff {
	return &backoff{min: lo, max: hi}
}

// next returns the pause after a cycle that ended at now: a random
// duration in [d/2, d] where d grows with the number of recent cycles.
func (b *backoff) next(now time.Time) time.Duration {
	// A cycle ending long after the previous one (a term that lasted, a
	// campaign that waited) starts a new series rather than extending one.
	if now.Sub(b.last) > 2*b.max {
		b.n = 0
	}
	b.last = now
	d := b.min
	for i := 0; i < b.n && d < b.max; i++ {
		d *= 2
	}
	d = min(d, b.max)
	b.n++
	half := d / 2
	return half + rand.N(d-half+1)
}
