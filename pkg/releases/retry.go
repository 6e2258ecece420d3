package releases

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/google/go-github/v66/github"
	"go.uber.org/zap"

	"github.com/necoship/neco/pkg/backoff"
)

// Errors a caller can branch on (and show in `neco status`) instead of
// mistaking a failure for "no releases".
var (
	ErrRateLimited  = errors.New("releases: rate limited")
	ErrUnauthorized = errors.New("releases: unauthorized (check github-token)")
	ErrForbidden    = errors.New("releases: forbidden")
	ErrNotFound     = errors.New("releases: not found")
	ErrMalformed    = errors.New("releases: malformed response")
	ErrUnavailable  = errors.New("releases: server unavailable")
)

// RetryPolicy says how hard the client tries before giving up on a call.
type RetryPolicy struct {
	// Attempts is the number of tries for transient failures (5xx,
	// network errors, secondary rate limits). Default 5.
	Attempts int
	// BaseDelay and MaxDelay bound the exponential back-off. Defaults 1s, 30s.
	BaseDelay, MaxDelay time.Duration
	// MaxRateLimitWait is the longest wait for a rate-limit reset inside one
	// call; a later reset is returned as ErrRateLimited so the caller can
	// report it rather than hang. Default 5m.
	MaxRateLimitWait time.Duration
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.Attempts <= 0 {
		p.Attempts = 5
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = time.Second
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = 30 * time.Second
	}
	if p.MaxRateLimitWait <= 0 {
		p.MaxRateLimitWait = 5 * time.Minute
	}
	return p
}

// verdict is what one failed call means for the next try.
type verdict struct {
	err   error         // the error to return if we stop now
	retry bool          // worth another try
	wait  time.Duration // how long to wait first; 0 = back-off
	code  int           // GitHub's HTTP status; 0 when none came
}

// statusError carries the HTTP status of a call that GitHub answered with
// an error, for callers that branch on it without importing go-github:
// pkg/notify treats a 4xx other than 429 as a failure not worth retrying.
// Its message and what it wraps are those of the error it decorates.
type statusError struct {
	code int
	err  error
}

func (e *statusError) Error() string { return e.err.Error() }
func (e *statusError) Unwrap() error { return e.err }

// HTTPStatus is GitHub's status. Every rate limit reports 429, whichever
// of 403 and 429 GitHub used: a caller must see "wait", not "forbidden".
func (e *statusError) HTTPStatus() int { return e.code }

// withStatus decorates err with code, when there is one.
func withStatus(err error, code int) error {
	if code == 0 {
		return err
	}
	return &statusError{code: code, err: err}
}

// classify maps a go-github error onto neco's sentinels and a retry verdict.
func classify(err error, now time.Time) verdict {
	var rle *github.RateLimitError
	var abuse *github.AbuseRateLimitError
	var er *github.ErrorResponse
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, ErrTooLarge):
		// The server would send the same body again.
		return verdict{err: err}
	case errors.Is(err, ErrMalformed):
		return verdict{err: err}
	case errors.As(err, &rle):
		wait := rle.Rate.Reset.Time.Sub(now) + time.Second
		return verdict{err: fmt.Errorf("%w until %s: %w", ErrRateLimited, rle.Rate.Reset.Time.UTC().Format(time.RFC3339), err), retry: true, wait: max(wait, time.Second),
			code: http.StatusTooManyRequests}
	case errors.As(err, &abuse):
		wait := time.Minute
		if abuse.RetryAfter != nil {
			wait = *abuse.RetryAfter
		}
		return verdict{err: fmt.Errorf("%w (secondary): %w", ErrRateLimited, err), retry: true, wait: max(wait, time.Second),
			code: http.StatusTooManyRequests}
	case errors.As(err, &syn), errors.As(err, &typ):
		return verdict{err: fmt.Errorf("%w: %w", ErrMalformed, err)}
	case errors.Is(err, io.ErrUnexpectedEOF):
		// A body cut short: broken JSON, or a dropped connection. Worth
		// another try, reported as malformed if it persists.
		return verdict{err: fmt.Errorf("%w: %w", ErrMalformed, err), retry: true}
	case errors.As(err, &er) && er.Response != nil:
		v := classifyStatus(er.Response, err, now)
		v.code = er.Response.StatusCode
		return v
	}
	// Connection refused, reset, timeouts: transient.
	return verdict{err: fmt.Errorf("%w: %w", ErrUnavailable, err), retry: true}
}

func classifyStatus(resp *http.Response, err error, now time.Time) verdict {
	switch code := resp.StatusCode; {
	case code == http.StatusTooManyRequests:
		return verdict{err: fmt.Errorf("%w: %w", ErrRateLimited, err), retry: true, wait: retryAfter(resp.Header, now)}
	case code == http.StatusUnauthorized:
		return verdict{err: fmt.Errorf("%w: %w", ErrUnauthorized, err)}
	case code == http.StatusForbidden:
		return verdict{err: fmt.Errorf("%w: %w", ErrForbidden, err)}
	case code == http.StatusNotFound:
		return verdict{err: fmt.Errorf("%w: %w", ErrNotFound, err)}
	case code >= 500:
		return verdict{err: fmt.Errorf("%w: %w", ErrUnavailable, err), retry: true, wait: retryAfter(resp.Header, now)}
	}
	return verdict{err: err}
}

// retryAfter reads Retry-After (seconds or an HTTP date), then
// X-RateLimit-Reset (epoch seconds); 0 means "use the back-off".
func retryAfter(h http.Header, now time.Time) time.Duration {
	if v := h.Get("Retry-After"); v != "" {
		if s, err := strconv.Atoi(v); err == nil && s >= 0 {
			return time.Duration(s) * time.Second
		}
		if t, err := http.ParseTime(v); err == nil {
			return max(t.Sub(now), 0)
		}
	}
	if v := h.Get("X-RateLimit-Reset"); v != "" {
		if s, err := strconv.ParseInt(v, 10, 64); err == nil {
			return max(time.Unix(s, 0).Sub(now)+time.Second, 0)
		}
	}
	return 0
}

// retry runs call until it succeeds, fails permanently, runs out of
// attempts, or ctx ends.
func (c *Client) retry(ctx context.Context, what string, call func(context.Context) error) error {
	p := c.policy
	for n := 0; ; n++ {
		err := call(ctx)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			// The caller's deadline or cancellation: stop. A request's
			// own timeout (RequestTimeout) is a deadline error too, but
			// with ctx alive it is a slow server, retried below.
			return fmt.Errorf("%s: %w", what, err)
		}
		v := classify(err, time.Now())
		if !v.retry || n+1 >= p.Attempts {
			return withStatus(fmt.Errorf("%s: %w", what, v.err), v.code)
		}
		wait := v.wait
		if wait == 0 {
			wait = backoff.Exponential{Base: p.BaseDelay, Max: p.MaxDelay}.Delay(n)
		}
		if wait > p.MaxRateLimitWait {
			return withStatus(fmt.Errorf("%s: %w (retry after %s)", what, v.err, wait.Round(time.Second)), v.code)
		}
		c.log.Warn("github request failed; retrying",
			zap.String(keyWhat, what), zap.Int(keyAttempt, n+1), zap.Duration(keyWait, wait), zap.Error(v.err))
		if err := c.sleep(ctx, wait); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
}
