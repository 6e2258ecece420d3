package notify

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Sender delivers an event to one destination. The Dispatcher calls Send
// once per attempt with a context bounded by Options.Timeout; Send must
// return when that context ends, or Run cannot stop promptly.
type Sender interface {
	// Name identifies the sender in logs and metrics ("slack",
	// "webhook"); it must never contain the URL.
	Name() string
	// Send makes one delivery attempt. An error matching ErrPermanent is
	// not retried; a *StatusError's RetryAfter is honoured.
	Send(ctx context.Context, e Event) error
}

// ErrPermanent marks a failure that retrying cannot fix: a 4xx other than
// 429, a redirect, an invalid URL. The dispatcher gives up on it at once.
// A custom Sender wraps it for the same effect.
var ErrPermanent = errors.New("notify: permanent failure")

// ErrSkipped is returned by a Sender that has no destination for this
// event (its endpoint is not configured right now). The dispatcher neither
// retries nor counts it, and logs it only at debug level.
var ErrSkipped = errors.New("notify: no destination configured")

// StatusError is a non-2xx answer from a webhook endpoint.
type StatusError struct {
	Code int
	// RetryAfter is the endpoint's Retry-After; 0 when absent.
	RetryAfter time.Duration
	// Detail is a short error code from the body (Slack's
	// "invalid_payload"), only when it cannot leak the URL; often empty.
	Detail string
}

func (e *StatusError) Error() string {
	if e.Detail != "" {
		return fmt.Sprintf("status %d (%s)", e.Code, e.Detail)
	}
	return fmt.Sprintf("status %d", e.Code)
}

// Is makes a status that will not get better match ErrPermanent: a 4xx
// other than 429 (the request itself is wrong, or the hook was revoked) and
// a 3xx (redirects are not followed; see newPoster). 429, 5xx and anything
// else are worth another try.
func (e *StatusError) Is(target error) bool {
	if target != ErrPermanent {
		return false
	}
	c := e.Code
	return (c >= 300 && c < 500) && c != http.StatusTooManyRequests
}

// parseRetryAfter reads Retry-After as delay-seconds or an HTTP date; 0
// means absent or unreadable, so the caller uses its back-off.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		// Clamp before multiplying: a huge value must not overflow into a
		// short wait. The dispatcher caps waits at MaxDelay anyway.
		return time.Duration(min(s, 1<<31)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0)
	}
	return 0
}
