package notify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/necoship/neco/pkg/backoff"
)

// deliverTo tries s until it delivers e, fails for good, or ctx ends; false
// means ctx ended first. A final failure is logged and counted, never
// returned: a notification must not fail an update.
func (d *Dispatcher) deliverTo(ctx context.Context, s Sender, e Event) bool {
	log := d.log.With(zap.String(keySender, s.Name()),
		zap.Int64(keyUpdateID, e.UpdateID), zap.String(keyKind, string(e.Kind)))
	for attempt := 1; ; attempt++ {
		err := d.attempt(ctx, s, e)
		if errors.Is(err, ErrSkipped) {
			log.Debug("notification skipped: sender not configured")
			return true
		}
		if err == nil {
			log.Info("notification sent", zap.Int(keyAttempt, attempt))
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		fields := []zap.Field{zap.Int(keyAttempt, attempt), zap.Error(err)}
		if code := statusOf(err); code != 0 {
			fields = append(fields, zap.Int(keyStatus, code))
		}
		if errors.Is(err, ErrPermanent) || attempt >= d.o.Attempts {
			log.Error("notification failed", fields...)
			d.failed(s.Name())
			return true
		}
		wait := d.wait(err, attempt)
		log.Warn("notification attempt failed; retrying", append(fields, zap.Duration(keyWait, wait))...)
		if d.o.Sleep(ctx, wait) != nil && ctx.Err() != nil {
			return false
		}
	}
}

// attempt is one Send under its own timeout. A panicking sender is a bug,
// but it must not take the updater down with it.
func (d *Dispatcher) attempt(ctx context.Context, s Sender, e Event) (err error) {
	ctx, cancel := context.WithTimeout(ctx, d.o.Timeout)
	defer cancel()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: sender panicked: %v", ErrPermanent, r)
		}
	}()
	return s.Send(ctx, e)
}

// wait is how long to pause after the attempt-th failure: the endpoint's
// Retry-After when it gave one, else the back-off; never above MaxDelay.
func (d *Dispatcher) wait(err error, attempt int) time.Duration {
	var se *StatusError
	if errors.As(err, &se) && se.RetryAfter > 0 {
		return min(se.RetryAfter, d.o.MaxDelay)
	}
	return backoff.Exponential{Base: d.o.BaseDelay, Max: d.o.MaxDelay}.Delay(attempt - 1)
}

func statusOf(err error) int {
	var se *StatusError
	if errors.As(err, &se) {
		return se.Code
	}
	return 0
}
