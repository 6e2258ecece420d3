package leader

import (
	"context"
	"errors"
	"fmt"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/client/v3/concurrency"
	"go.uber.org/zap"
)

// session is this candidate's lease, kept alive by the concurrency package.
// Only its keep-alive is used: campaign and resign (campaign.go, term.go)
// send their own requests, each bounded by its own timeout.
type session struct {
	*concurrency.Session
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
	s, err := concurrency.NewSession(e.client,
		concurrency.WithLease(lease.ID),
		concurrency.WithTTL(int(e.ttl)),
		concurrency.WithContext(ctx))
	if err != nil {
		e.revoke(ctx, lease.ID)
		return nil, fmt.Errorf("keep session lease alive: %w", err)
	}
	e.log.Debug("session opened", zap.Int64(fieldLease, int64(lease.ID)))
	return &session{Session: s}, nil
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
