package leader

import (
	"context"
	"fmt"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/necoship/neco/pkg/backoff"
)

// A leader's lease alone says too late that it is gone. etcd expires a
// lease TTL after the last keep-alive that reached the raft leader, but a
// new raft leader cannot know when that was: it renews every lease in full
// as it takes over (its lessor promotion adds an election timeout on top).
// A leader cut off together with etcd's raft leader therefore held the
// election for the raft election, then a whole TTL, then the extension:
// 15 s for a 10 s TTL in the data-center test.
//
// So a leader also heartbeats through raft: it puts its election key
// again, same value, same lease, every heartbeat interval. The next
// candidate in line watches the key, and once it has seen no heartbeat for
// a whole TTL on its own clock it deletes the key, on the condition that
// its mod revision is still the one it last saw and that its own key
// stands, and leads (depose.go). Each beat
// happened before it was seen, so a TTL from the sighting is at least a TTL
// from the beat; the leader, for its part, ends its term once no beat has
// gone through for leaderGrace, a third of a TTL sooner (as client-go's
// leader election keeps its renew deadline under its lease duration). The
// fence that keeps writes safe is unchanged: the key exists (storage), and
// a deposed term's key name is never used again (cycle drops the session).
//
// Only a key that has been put again (mod revision past its create
// revision) is deposed: a leader of an older neco, which does not
// heartbeat, is waited for on its lease as before, so a rolling
// self-update never deposes a live leader.

// heartbeatInterval is how often a leader puts its key for a session TTL:
// five beats per TTL, so that a beat or two lost to a slow etcd does not
// end a term.
func heartbeatInterval(ttl time.Duration) time.Duration { return ttl / 5 }

// leaderGrace is how long a leader goes on without a successful beat
// before it ends its term: two thirds of the TTL, leaving a third of it
// between the leader giving up and the earliest a candidate may depose it.
func leaderGrace(ttl time.Duration) time.Duration { return ttl * 2 / 3 }

// heartbeat puts the term's key every heartbeat interval until ctx ends.
// It loses the term when the key is no longer the term's (deleted, or
// deposed) or when no beat has gone through for leaderGrace. The first beat
// goes at once: until a key has been put again nobody may depose it, and
// that window should be short.
func (e *Elector) heartbeat(ctx context.Context, term Term, lose context.CancelCauseFunc) {
	ttl := e.ttlDuration()
	every, grace := heartbeatInterval(ttl), leaderGrace(ttl)
	last := time.Now() // the term was confirmed just before
	failing := false
	for {
		sent := time.Now()
		bctx, cancel := context.WithDeadline(ctx, last.Add(grace))
		held, err := e.beat(bctx, term)
		cancel()
		switch {
		case ctx.Err() != nil:
			return
		case err == nil && !held:
			lose(fmt.Errorf("%w: election key deleted or deposed", ErrLeadershipLost))
			return
		case err == nil:
			if failing {
				e.log.Info("heartbeat goes through again", zap.String(fieldKey, term.Key))
				failing = false
			}
			last = sent
		case time.Since(last) >= grace:
			lose(fmt.Errorf("%w: no heartbeat went through for %s: %w", ErrLeadershipLost, grace, err))
			return
		case !failing:
			// Once per run of failures: the loss, if it comes, is logged by Run.
			e.log.Warn("heartbeat failed; the term ends if none goes through in time",
				zap.String(fieldKey, term.Key), zap.Duration(fieldGrace, grace), zap.Error(err))
			failing = true
		}
		if backoff.Sleep(ctx, time.Until(sent.Add(every))) != nil {
			return
		}
	}
}

// beat puts the key again if it is still the term's. held is false when it
// is not: the key was deleted (by hand, its lease, or a candidate that
// deposed this leader) and perhaps put again by a later campaign.
func (e *Elector) beat(ctx context.Context, term Term) (held bool, err error) {
	resp, err := e.client.Txn(clientv3.WithRequireLeader(ctx)).
		If(clientv3.Compare(clientv3.CreateRevision(term.Key), "=", term.Revision)).
		Then(clientv3.OpPut(term.Key, term.Name, clientv3.WithIgnoreLease())).
		Commit()
	if err != nil {
		return false, fmt.Errorf("heartbeat %s: %w", term.Key, err)
	}
	return resp.Succeeded, nil
}
