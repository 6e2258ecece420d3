package leader

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/client/v3/concurrency"
	"go.uber.org/zap"
)

// session is this candidate's lease, kept alive by the concurrency package.
//
// The concurrency package sends its clean-up requests (the resign after a
// cancelled Campaign) with its client's Ctx(), which for a real client only
// ends when the client is closed: against an unreachable etcd that would
// block Run forever. So the session stands on a connection-less client that
// shares the real client's KV, Watcher and Lease but whose context ends
// ResignTimeout after the session does.
type session struct {
	*concurrency.Session
	grace *grace
}

// openSession grants a lease and keeps it alive until ctx ends, the lease
// is lost, or closeSession is called.
func (e *Elector) openSession(ctx context.Context) (*session, error) {
	gctx, cancel := context.WithTimeout(ctx, requestTimeout)
	lease, err := e.client.Grant(gctx, e.ttl)
	cancel()
	if err != nil {
		return nil, fmt.Errorf("grant session lease: %w", err)
	}
	g := newGrace(ctx)
	c := clientv3.NewCtxClient(g.ctx, clientv3.WithZapLogger(e.client.GetLogger()))
	c.KV, c.Watcher, c.Lease = e.client.KV, e.client.Watcher, e.client.Lease
	s, err := concurrency.NewSession(c,
		concurrency.WithLease(lease.ID),
		concurrency.WithTTL(int(e.ttl)),
		concurrency.WithContext(ctx))
	if err != nil {
		g.stop()
		e.revoke(ctx, lease.ID)
		return nil, fmt.Errorf("keep session lease alive: %w", err)
	}
	g.startAfter(s.Ctx(), e.resignTimeout)
	e.log.Debug("session opened", zap.Int64(fieldLease, int64(lease.ID)))
	return &session{Session: s, grace: g}, nil
}

// expired reports whether the lease is no longer kept alive: revoked,
// expired, or unreachable for a whole TTL.
func (s *session) expired() bool {
	select {
	case <-s.Done():
		return true
	default:
		return false
	}
}

// closeSession stops the keep-alive and revokes the lease, so the keys on
// it (a campaign in progress) go at once rather than after the TTL. It
// accepts nil so that callers can close whatever they hold.
func (e *Elector) closeSession(ctx context.Context, s *session) {
	if s == nil {
		return
	}
	s.Orphan()
	e.revoke(ctx, s.Lease())
	s.grace.stop()
}

// revoke is best effort: a lease we cannot revoke still expires after its
// TTL, so failure is logged, not returned.
func (e *Elector) revoke(ctx context.Context, id clientv3.LeaseID) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), e.resignTimeout)
	defer cancel()
	_, err := e.client.Revoke(rctx, id)
	if err != nil && !errors.Is(err, rpctypes.ErrLeaseNotFound) {
		e.log.Warn("revoke session lease failed; it expires after its TTL",
			zap.Int64(fieldLease, int64(id)), zap.Error(err))
	}
}

// grace is a context that outlives a trigger context by a fixed time, or
// until stop: long enough for clean-up requests, never unbounded.
type grace struct {
	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	stopped bool
	halt    func() bool // stops the AfterFunc watching the trigger
	timer   *time.Timer
}

// newGrace keeps parent's values but not its cancellation, which is the
// very moment clean-up starts.
func newGrace(parent context.Context) *grace {
	ctx, cancel := context.WithCancel(context.WithoutCancel(parent))
	return &grace{ctx: ctx, cancel: cancel}
}

// startAfter arranges for g to end d after trigger ends.
func (g *grace) startAfter(trigger context.Context, d time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.halt = context.AfterFunc(trigger, func() {
		g.mu.Lock()
		defer g.mu.Unlock()
		if !g.stopped {
			g.timer = time.AfterFunc(d, g.cancel)
		}
	})
}

// stop ends g now and leaves no timer behind.
func (g *grace) stop() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.stopped = true
	if g.halt != nil {
		g.halt()
	}
	if g.timer != nil {
		g.timer.Stop()
	}
	g.cancel()
}
