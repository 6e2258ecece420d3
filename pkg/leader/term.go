package leader

import (
	"context"
	"errors"
	"fmt"
	"sync"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/client/v3/concurrency"
	"go.uber.org/zap"
)

// ErrLeadershipLost is the cause (context.Cause) of a lead context that
// ended because this candidate may no longer be leader, as opposed to Run's
// own context ending.
var ErrLeadershipLost = errors.New("leader: leadership lost")

// Term is one won election: valid while Key exists with create revision
// Revision. Storage fences leader writes on exactly that pair, so a deposed
// leader that has not noticed yet still cannot write.
type Term struct {
	Key      string // this leader's own election key
	Revision int64  // create revision of Key
	Name     string // this candidate's name, the key's value
}

// campaign blocks until this session's key is the oldest under the prefix.
// It returns the term and the revision at which the term was confirmed.
func (e *Elector) campaign(s *session, el *concurrency.Election) (Term, int64, error) {
	// The session context ends with Run's context or with the lease, so a
	// campaign never outlives the session it stands on.
	if err := el.Campaign(s.Ctx(), e.name); err != nil {
		return Term{}, 0, fmt.Errorf("campaign: %w", err)
	}
	// Campaign returns once every older key is gone, even when our own key
	// went too (lease expired while waiting): confirm before leading.
	ctx, cancel := context.WithTimeout(s.Ctx(), requestTimeout)
	defer cancel()
	resp, err := e.client.Get(ctx, el.Key())
	if err != nil {
		return Term{}, 0, fmt.Errorf("confirm election key: %w", err)
	}
	if len(resp.Kvs) == 0 || resp.Kvs[0].CreateRevision != el.Rev() {
		return Term{}, 0, fmt.Errorf("%w: election key vanished while campaigning", ErrLeadershipLost)
	}
	return Term{Key: el.Key(), Revision: el.Rev(), Name: e.name}, resp.Header.Revision, nil
}

// lead runs fn for one term under a context that guard cancels when the
// term is lost. It returns once fn has returned and guard has stopped.
func (e *Elector) lead(ctx context.Context, s *session, term Term, rev int64, fn LeadFunc) error {
	tctx, lose := context.WithCancelCause(ctx)
	defer lose(nil)
	var wg sync.WaitGroup
	wg.Go(func() { e.guard(tctx, s, term.Key, rev, lose) })
	e.log.Info("became leader", zap.String(fieldKey, term.Key), zap.Int64(fieldRevision, term.Revision))
	err := fn(tctx, term)
	lose(nil)
	wg.Wait()

	cause := context.Cause(tctx)
	switch {
	case !errors.Is(cause, ErrLeadershipLost):
		if err != nil {
			return fmt.Errorf("lead term %d: %w", term.Revision, err)
		}
		return nil
	case err != nil:
		return fmt.Errorf("%w; lead returned: %w", cause, err)
	default:
		return cause
	}
}

// guard cancels the term as soon as this candidate may no longer be
// leader: its key is deleted (by hand, or with its revoked or expired
// lease), its session stops being refreshed, or the watch that would tell
// us so breaks. Watching from rev+1, right after the confirming read,
// leaves no gap in which a deletion could go unseen.
func (e *Elector) guard(ctx context.Context, s *session, key string, rev int64, lose context.CancelCauseFunc) {
	// WithRequireLeader: a member cut off from its cluster ends the watch
	// instead of silently delivering nothing.
	wctx, cancel := context.WithCancel(clientv3.WithRequireLeader(ctx))
	defer cancel()
	wch := e.client.Watch(wctx, key, clientv3.WithRev(rev+1), clientv3.WithFilterPut())
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.Done():
			lose(fmt.Errorf("%w: session expired", ErrLeadershipLost))
			return
		case wr, ok := <-wch:
			switch {
			case !ok:
				lose(fmt.Errorf("%w: watch on election key closed", ErrLeadershipLost))
			case wr.Err() != nil:
				lose(fmt.Errorf("%w: watch election key: %w", ErrLeadershipLost, wr.Err()))
			case len(wr.Events) > 0:
				lose(fmt.Errorf("%w: election key deleted", ErrLeadershipLost))
			default:
				continue // progress notification
			}
			return
		}
	}
}

// resign deletes the election key if it is still ours (a no-op when it is
// already gone), so that the next candidate takes over at once instead of
// after the TTL. It uses a fresh context because it runs precisely when
// Run's context may have ended.
func (e *Elector) resign(ctx context.Context, el *concurrency.Election) error {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), e.resignTimeout)
	defer cancel()
	key := el.Key()
	if err := el.Resign(rctx); err != nil {
		return fmt.Errorf("resign %s: %w", key, err)
	}
	e.log.Info("term ended", zap.String(fieldKey, key))
	return nil
}
