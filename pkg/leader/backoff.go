package leader

import (
	"time"

	"github.com/necoship/neco/pkg/backoff"
)

// cyclePause spaces out election cycles so that a lead function failing at
// once, an unreachable etcd or a flapping session cannot make Run spin.
// Pauses double from the minimum to the maximum pause; the jitter keeps candidates that failed
// together (an etcd outage) from retrying in lockstep.
type cyclePause struct {
	delay backoff.Exponential
	n     int       // cycles ended in a row, each close after the previous
	last  time.Time // when the previous cycle ended
}

func newCyclePause(lo, hi time.Duration) *cyclePause {
	return &cyclePause{delay: backoff.Exponential{Base: lo, Max: hi}}
}

// next returns the pause after a cycle that ended at now: a random
// duration in [d/2, d] where d grows with the number of recent cycles.
func (b *cyclePause) next(now time.Time) time.Duration {
	// A cycle ending long after the previous one (a term that lasted, a
	// campaign that waited) starts a new series rather than extending one.
	if now.Sub(b.last) > 2*b.delay.Max {
		b.n = 0
	}
	b.last = now
	d := b.delay.Delay(b.n)
	b.n++
	return d
}
