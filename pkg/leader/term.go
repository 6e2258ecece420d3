package leader

import (
	"context"
	"errors"
	"fmt"
	"sync"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// ErrLeadershipLost is the cause (context.Cause) of a lead context that
// ended because this candidate may no longer be leader, as opposed to Run's
// own context ending.
var ErrLeadershipLost = errors.New("leader: leadership lost")

// Term is one won election: valid while Key exists with create revision
// Revision. Storage fences leader writes on Key existing, so a deposed
// leader that has not noticed yet still cannot write; a lost term's
// session is dropped (cycle), so its Key name is not put again. Key is
// always on this candidate's session lease, never a key without one, so
// the fence ends with the session at the latest.
type Term struct {
	Key      string // this leader's own election key
	Revision int64  // create revision of Key
	Name     string // this candidate's name, the key's value
}

// lead runs fn for one term under a context that guard cancels when the
// term is lost. It returns once fn has returned and guard has stopped.
func (e *Elector) lead(ctx context.Context, s *session, term Term, rev int64, fn LeadFunc) error {
	tctx, lose := context.WithCancelCause(ctx)
	defer lose(nil)
	var wg sync.WaitGroup
	wg.Go(func() { e.guard(tctx, s, term.Key, rev, lose) })
	wg.Go(func() { e.heartbeat(tctx, term, lose) })
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
// leader: its key is deleted (by hand, with its revoked or expired lease,
// or by a candidate that deposed it), its session stops being refreshed,
// or the watch that would tell us so breaks. heartbeat ends it too, when
// no beat goes through. Watching from rev+1, right after the confirming read,
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

// resign deletes the election key if it is still this term's (a no-op
// when it is already gone), so that the next candidate takes over at once
// instead of after the TTL. It uses a fresh context because it runs
// precisely when Run's context may have ended.
func (e *Elector) resign(ctx context.Context, term Term) error {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), e.resignTimeout)
	defer cancel()
	_, err := e.client.Txn(rctx).
		If(clientv3.Compare(clientv3.CreateRevision(term.Key), "=", term.Revision)).
		Then(clientv3.OpDelete(term.Key)).
		Commit()
	if err != nil {
		return fmt.Errorf("resign %s: %w", term.Key, err)
	}
	e.log.Info("term ended", zap.String(fieldKey, term.Key))
	return nil
}
