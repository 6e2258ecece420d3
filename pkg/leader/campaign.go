package leader

import (
	"context"
	"errors"
	"fmt"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// The campaign is written here rather than taken from
// concurrency.Election.Campaign, which waits for every older key under the
// prefix to be deleted. A key put without a lease (etcdctl put
// <prefix>/0000fake x) is never deleted by etcd, so one such key would
// hold the election forever while no candidate wins and nothing is logged.
// Here only keys on a lease are candidates; the key names, values and the
// lowest-create-revision rule are those of the concurrency package, so a
// mixed-version cluster during a rolling self-update still elects one
// leader as long as nobody writes lease-less keys.

// errForeignKey: the key this session campaigns with exists, but it is not
// the one this candidate put on this lease. Leading on it could mean a
// fence that outlives our session, so the session is replaced instead.
var errForeignKey = errors.New("leader: election key exists but is not this session's")

// campaign blocks until this session's key is the oldest key on a lease
// under the prefix. It returns the term and the revision at which the term
// was confirmed.
func (e *Elector) campaign(s *session) (Term, int64, error) {
	// The session context ends with Run's context or with the lease, so a
	// campaign never outlives the session it stands on. A cancelled
	// campaign leaves its key behind on purpose: either Run is returning and
	// revokes the lease, or the next cycle on this session reuses the key.
	//
	// WithRequireLeader: a member cut off from its cluster answers every
	// request of the campaign at once with "no leader", and the client
	// asks another member.
	ctx := clientv3.WithRequireLeader(s.Ctx())
	key := fmt.Sprintf("%s/%x", e.prefix, s.Lease())
	rev, err := e.putKey(ctx, s.Lease(), key)
	if err != nil {
		return Term{}, 0, fmt.Errorf("campaign: %w", err)
	}
	won, err := e.waitOlder(ctx, ourKey{key, rev})
	if err != nil {
		return Term{}, 0, fmt.Errorf("campaign: %w", err)
	}
	term := Term{Key: key, Revision: rev, Name: e.name}
	if won > 0 {
		// The deposal confirmed our key in its own transaction.
		return term, won, nil
	}
	// Every older key is gone, but ours may have gone too (lease expired
	// or key deleted while waiting): confirm before leading.
	cctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	resp, err := e.client.Get(cctx, key)
	if err != nil {
		return Term{}, 0, fmt.Errorf("confirm election key: %w", err)
	}
	if len(resp.Kvs) == 0 || resp.Kvs[0].CreateRevision != rev {
		return Term{}, 0, errKeyVanished
	}
	return term, resp.Header.Revision, nil
}

// errKeyVanished: our election key went (lease expired, deleted) while
// we campaigned.
var errKeyVanished = fmt.Errorf("%w: election key vanished while campaigning", ErrLeadershipLost)

// ourKey is this candidate's election key and its create revision.
type ourKey struct {
	key string
	rev int64
}

// putKey creates key on lease unless it exists, and returns its create
// revision. An existing key is the one a failed campaign on this session
// left, which keeps its place in the queue.
func (e *Elector) putKey(ctx context.Context, lease clientv3.LeaseID, key string) (int64, error) {
	tctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	resp, err := e.client.Txn(tctx).
		If(clientv3.Compare(clientv3.CreateRevision(key), "=", 0)).
		Then(clientv3.OpPut(key, e.name, clientv3.WithLease(lease))).
		Else(clientv3.OpGet(key)).
		Commit()
	if err != nil {
		return 0, fmt.Errorf("put election key: %w", err)
	}
	if resp.Succeeded {
		return resp.Header.Revision, nil
	}
	kvs := resp.Responses[0].GetResponseRange().GetKvs()
	// Someone may have written our key name first (lease IDs are
	// guessable), without a lease or with another value.
	if len(kvs) == 0 || clientv3.LeaseID(kvs[0].Lease) != lease || string(kvs[0].Value) != e.name {
		return 0, fmt.Errorf("%w: %s", errForeignKey, key)
	}
	return kvs[0].CreateRevision, nil
}

// waitOlder blocks until no key on a lease created before ours is left
// under the prefix. Keys without a lease are ignored (and logged once):
// nothing would ever delete them. won is the revision at which we deposed
// the leader and lead (its transaction confirmed our key), 0 otherwise.
func (e *Elector) waitOlder(ctx context.Context, ours ourKey) (won int64, err error) {
	for {
		gctx, cancel := context.WithTimeout(ctx, requestTimeout)
		keys, err := readKeys(gctx, e.client, e.prefix, clientv3.WithMaxCreateRev(ours.rev-1))
		cancel()
		if err != nil {
			return 0, fmt.Errorf("read older election keys: %w", err)
		}
		e.leaseless.note(e.log, ours.rev-1, keys.leaseless)
		if len(keys.leased) == 0 {
			return 0, nil
		}
		// The newest older candidate is the one that leads right before us;
		// once it goes, read again: older ones may still be there. When it
		// is the leader itself, we are next in line and depose it if its
		// heartbeats stop (heartbeat.go).
		last := keys.leased[len(keys.leased)-1]
		if len(keys.leased) == 1 {
			won, err = e.waitLeader(ctx, last, keys.revision, ours)
		} else {
			err = e.waitDelete(ctx, string(last.Key), keys.revision+1)
		}
		if err != nil || won > 0 {
			return won, err
		}
	}
}

// waitDelete blocks until key is deleted at or after rev.
func (e *Elector) waitDelete(ctx context.Context, key string, rev int64) error {
	// WithRequireLeader: a member cut off from its cluster ends the watch,
	// and the cycle is retried, instead of waiting on silence.
	wctx, cancel := context.WithCancel(clientv3.WithRequireLeader(ctx))
	defer cancel()
	for wr := range e.client.Watch(wctx, key, clientv3.WithRev(rev), clientv3.WithFilterPut()) {
		if err := wr.Err(); err != nil {
			return fmt.Errorf("watch older election key %s: %w", key, err)
		}
		if len(wr.Events) > 0 {
			return nil
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return fmt.Errorf("watch older election key %s: closed", key)
}
