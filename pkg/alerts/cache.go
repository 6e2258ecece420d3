package alerts

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// answer is what one request to Prometheus came to. It is never modified
// once stored, so callers can share it.
type answer struct {
	names []string
	err   error
	at    time.Time // when it arrived, by Source.now
}

// call is a request that callers wait for together.
type call struct {
	done chan struct{} // closed once ans is set
	ans  answer
}

// Firing returns the names, sorted and unique, of the alerts in state
// "firing" (not "pending") whose alertname matches Options.Match. With no
// such alert it returns an empty, non-nil slice. Its error wraps one of
// ErrUnreachable, ErrRedirect, ErrStatus, ErrTooLarge, ErrMalformed or
// ErrPrometheus, or, when ctx ends first, ctx's cause.
//
// An answer younger than CacheFor is returned without a request. Otherwise
// one request is made for all concurrent callers; it is not tied to ctx
// (one caller giving up must not fail the others, nor cache its
// cancellation as the answer), and is bounded by Timeout instead. ctx ends
// only this caller's wait.
func (s *Source) Firing(ctx context.Context) ([]string, error) {
	c, cached := s.join(ctx)
	if cached != nil {
		return slices.Clone(cached.names), cached.err
	}
	select {
	case <-c.done:
		return slices.Clone(c.ans.names), c.ans.err
	case <-ctx.Done():
		return nil, fmt.Errorf("wait for %s: %w", s.shown, context.Cause(ctx))
	}
}

// join returns the cached answer if it is fresh, or else the request under
// way, starting one if there is none.
func (s *Source) join(ctx context.Context) (*call, *answer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.last != nil {
		// A clock that went back makes the age negative: ask again
		// rather than trust an answer of unknown age.
		if age := s.now().Sub(s.last.at); age >= 0 && age < s.cacheFor {
			return nil, s.last
		}
	}
	if s.inflight == nil {
		s.inflight = &call{done: make(chan struct{})}
		go s.run(context.WithoutCancel(ctx), s.inflight)
	}
	return s.inflight, nil
}

// run makes c's request and publishes its answer, to c's waiters and to
// the cache.
func (s *Source) run(ctx context.Context, c *call) {
	names, err := s.fetch(ctx)
	s.mu.Lock()
	c.ans = answer{names: names, err: err, at: s.now()}
	s.last = &c.ans
	s.inflight = nil
	s.mu.Unlock()
	close(c.done)
}

// fetch asks Prometheus once, within s.timeout.
func (s *Source) fetch(ctx context.Context) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	r, err := s.get(ctx)
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", s.shown, err)
	}
	names, err := r.firing(s.match)
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", s.shown, err)
	}
	return names, nil
}
