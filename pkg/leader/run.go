package leader

import (
	"context"
	"errors"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	"go.uber.org/zap"

	"github.com/necoship/neco/pkg/backoff"
)

// ErrNilLead is returned by Run when it is given no lead function.
var ErrNilLead = errors.New("leader: lead function is nil")

// LeadFunc does a leader's work for one term. ctx ends as soon as the term
// is lost (context.Cause is then ErrLeadershipLost) or Run's context ends;
// LeadFunc must return promptly after that, since Run waits for it.
// Returning nil steps down voluntarily; an error is logged and followed by
// a back-off. Either way Run resigns and campaigns again.
type LeadFunc func(ctx context.Context, term Term) error

// Run campaigns until ctx ends, calling lead each time this candidate
// becomes leader. After each term it resigns (bounded by ResignTimeout),
// pauses with a growing, jittered back-off, replaces the session if it
// died, and campaigns again. Failures (etcd unreachable, lead errors, lost
// terms) are logged here, once, and never end Run.
//
// Run returns ctx.Err() once ctx has ended, lead has returned and the
// session lease has been revoked; no goroutine it started outlives it.
func (e *Elector) Run(ctx context.Context, lead LeadFunc) error {
	if lead == nil {
		return ErrNilLead
	}
	var s *session
	defer func() { e.closeSession(ctx, s) }()
	pause := newCyclePause(e.minPause, e.maxPause)
	for {
		var err error
		s, err = e.cycle(ctx, s, lead)
		if ctx.Err() != nil {
			e.log.Info("stopped campaigning", zap.NamedError(fieldLastError, err))
			return ctx.Err()
		}
		d := pause.next(time.Now())
		switch {
		case err == nil:
			e.log.Info("stepped down", zap.Duration(fieldPause, d))
		case errors.Is(err, ErrLeadershipLost):
			e.log.Warn("leadership lost", zap.Error(err), zap.Duration(fieldPause, d))
		case errors.Is(err, rpctypes.ErrLeaseNotFound):
			e.log.Warn("session lease gone; opening a new session", zap.Error(err), zap.Duration(fieldPause, d))
		default:
			e.log.Error("election cycle failed", zap.Error(err), zap.Duration(fieldPause, d))
		}
		if backoff.Sleep(ctx, d) != nil {
			return ctx.Err()
		}
	}
}

// cycle makes sure there is a live session, campaigns, leads one term and
// resigns. It returns the session to reuse next time, nil if it must be
// replaced.
func (e *Elector) cycle(ctx context.Context, s *session, lead LeadFunc) (*session, error) {
	if s != nil && s.expired() {
		e.closeSession(ctx, s)
		s = nil
	}
	if s == nil {
		var err error
		if s, err = e.openSession(ctx); err != nil {
			return nil, err
		}
	}
	term, rev, err := e.campaign(s)
	if errors.Is(err, rpctypes.ErrLeaseNotFound) || errors.Is(err, errForeignKey) {
		// The server dropped the lease before the keep-alive noticed (a
		// revoke lands between two refreshes): the session is dead. Or
		// its key name is taken: a new lease gives a new name.
		e.closeSession(ctx, s)
		return nil, err
	}
	if err != nil {
		return s, err
	}
	leadErr := e.lead(ctx, s, term, rev, lead)
	if errors.Is(leadErr, ErrLeadershipLost) {
		// The key may be gone already, deleted by a candidate that deposed
		// us while this session lives on. A new session gives the next
		// campaign a new key name, so the lost term's name, which storage
		// fences on, never exists again; the revoke takes the key with it
		// if it is still there.
		e.closeSession(ctx, s)
		return nil, leadErr
	}
	if err := e.resign(ctx, term); err != nil {
		// The next campaign on this session would find our undeleted key
		// and win straight back: drop the session, and the key with it.
		e.closeSession(ctx, s)
		return nil, errors.Join(leadErr, err)
	}
	return s, leadErr
}
