// Package backoff owns how neco waits before trying again: exponential
// delays with equal jitter, and a sleep that ends with its context. The
// GitHub client, the notifier and the leader election all retry, and they
// must not each get the arithmetic (overflow, jitter range) slightly
// different.
package backoff

import (
	"context"
	"math/rand/v2"
	"time"
)

// Exponential doubles a delay from Base up to Max.
type Exponential struct {
	Base, Max time.Duration
}

// Delay is the n-th (0-based) delay: Base doubled n times, capped at Max,
// then a random duration in [d/2, d]. The jitter keeps boot servers that
// failed together from retrying in lockstep; the half that is kept makes
// the delay still grow.
func (e Exponential) Delay(n int) time.Duration {
	d := e.Base
	// Stopping at Max keeps a large n from overflowing.
	for i := 0; i < n && d < e.Max; i++ {
		d *= 2
	}
	d = min(d, e.Max)
	half := d / 2
	return half + rand.N(d-half+1)
}

// Sleep waits d or until ctx ends, returning ctx's error in the latter case.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
