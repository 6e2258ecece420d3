package leader

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.etcd.io/etcd/api/v3/mvccpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// The candidate's half of the heartbeat (heartbeat.go says why): the next
// in line after the leader watches the leader's key and deletes it once a
// whole TTL has passed, on this candidate's clock, since it first saw the
// key's current mod revision.

// deposeRetry spaces out the starts of attempts to depose when one fails
// (the member asked has no leader, say): soon enough to keep within the
// TTL's budget, not so soon that a dead member is hammered.
const deposeRetry = 250 * time.Millisecond

// deposeTimeout bounds one attempt. A request that went to a member cut
// off without a FIN waits for gRPC's keepalive (3 s) to fail it; an
// attempt given up sooner is retried at once, and the client's balancer
// sends it to the next member. A timed-out attempt that did commit is
// harmless: the next one finds the leader's key gone.
const deposeTimeout = 500 * time.Millisecond

// sighting is when this Elector first saw an election key at a mod
// revision. It outlives campaign cycles, so that a watch broken by a cut-off
// member (and the cycle it ends) does not restart the count: the key has
// not moved since the sighting, whatever happened to our watch.
type sighting struct {
	key string
	mod int64
	at  time.Time
}

// sightings remembers the last sighting; one is enough, as a candidate
// watches one key at a time.
type sightings struct {
	mu   sync.Mutex
	last sighting
}

// see returns when key was first seen at mod revision mod, now if never.
func (s *sightings) see(key string, mod int64, now time.Time) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.last.key != key || s.last.mod != mod {
		s.last = sighting{key: key, mod: mod, at: now}
	}
	return s.last.at
}

// heartbeats says whether kv has been put since it was created: only a
// leader that heartbeats is ever deposed.
func heartbeats(kv *mvccpb.KeyValue) bool { return kv.ModRevision > kv.CreateRevision }

// waitLeader blocks until the leader's key kv (read at revision rev) is
// deleted, or deposes it once it has not moved for a TTL. A key that has
// not been put since its creation is only waited for, until a put shows
// that its leader heartbeats (it may be about to beat for the first time,
// or be of an older neco that never will). won is the revision at which
// this candidate deposed the leader and leads; 0 with no error when the
// key may be gone, for the caller to read the keys again.
//
// A broken watch (the member it went to was cut off) is opened again
// without ending the wait, so the deposal keeps its time: the silence is
// counted on this candidate's clock, not on the watch.
func (e *Elector) waitLeader(ctx context.Context, kv *mvccpb.KeyValue, rev int64, ours ourKey) (won int64, err error) {
	w := &leaderWatch{e: e, key: string(kv.Key), mod: kv.ModRevision, next: rev + 1}
	w.seen = e.seen.see(w.key, w.mod, time.Now())
	defer w.close()
	ttl := e.ttlDuration()
	var silence, reopen deadline
	defer silence.stop()
	defer reopen.stop()
	if heartbeats(kv) {
		silence.set(time.Until(w.seen.Add(ttl)))
	}
	w.open(ctx)
	for {
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-reopen.c():
			w.open(ctx)
		case wr, ok := <-w.events:
			moved, err := w.take(wr, ok)
			switch {
			case errors.Is(err, errKeyDeleted):
				return 0, nil
			case errors.Is(err, rpctypes.ErrCompacted):
				return 0, err // the caller reads again
			case err != nil:
				e.log.Debug("watch of the leader's key broke; opening it again", zap.String(fieldKey, w.key), zap.Error(err))
				w.close()
				reopen.set(deposeRetry)
			case moved:
				silence.set(time.Until(w.seen.Add(ttl)))
			}
		case <-silence.c():
			start := time.Now()
			d, err := e.depose(ctx, kv, w.mod, ours)
			switch {
			case errors.Is(err, errKeyVanished):
				return 0, err
			case err != nil:
				e.log.Debug("depose failed; trying again", zap.String(fieldKey, w.key), zap.Error(err))
				silence.set(max(0, deposeRetry-time.Since(start)))
			case d.won > 0:
				e.log.Warn("deposed the leader: no heartbeat seen for a session TTL",
					zap.String(fieldKey, w.key), zap.String(fieldLeader, string(kv.Value)),
					zap.Duration(fieldSilent, time.Since(w.seen).Round(time.Millisecond)))
				return d.won, nil
			case d.gone:
				return 0, nil
			default:
				// The key moved between the watch and the delete (a beat
				// the watch has not delivered yet): the watch will say.
				silence.set(ttl)
			}
		}
	}
}

// errKeyDeleted ends a leaderWatch: the key is gone.
var errKeyDeleted = errors.New("leader: election key deleted")

// leaderWatch is the next candidate's watch of the leader's key: what it
// last saw and from which revision to watch again.
type leaderWatch struct {
	e      *Elector
	key    string
	mod    int64     // the key's mod revision last seen
	seen   time.Time // when mod was first seen (sightings)
	next   int64     // first revision not seen yet
	events clientv3.WatchChan
	cancel context.CancelFunc
}

// open starts a watch from next. WithRequireLeader: a member cut off from
// its cluster ends the watch, instead of keeping it silently open.
func (w *leaderWatch) open(ctx context.Context) {
	w.close()
	wctx, cancel := context.WithCancel(clientv3.WithRequireLeader(ctx))
	w.events, w.cancel = w.e.client.Watch(wctx, w.key, clientv3.WithRev(w.next)), cancel
}

// close ends the watch, if one is open; its channel is then nil.
func (w *leaderWatch) close() {
	if w.cancel != nil {
		w.cancel()
	}
	w.events, w.cancel = nil, nil
}

// take notes one watch response: moved when the key was put again,
// errKeyDeleted when it is gone, another error when the watch broke.
func (w *leaderWatch) take(wr clientv3.WatchResponse, ok bool) (moved bool, err error) {
	if !ok {
		return false, errors.New("watch closed")
	}
	if err := wr.Err(); err != nil {
		return false, err
	}
	for _, ev := range wr.Events {
		w.next = ev.Kv.ModRevision + 1
		if ev.Type == mvccpb.DELETE {
			return false, errKeyDeleted
		}
		w.mod, moved = ev.Kv.ModRevision, true
		w.seen = w.e.seen.see(w.key, w.mod, time.Now())
	}
	return moved, nil
}

// deadline is a timer that may not be set: its channel is nil until it is.
type deadline struct{ t *time.Timer }

func (d *deadline) set(in time.Duration) {
	if d.t == nil {
		d.t = time.NewTimer(in)
		return
	}
	d.t.Reset(in)
}

func (d *deadline) c() <-chan time.Time {
	if d.t == nil {
		return nil
	}
	return d.t.C
}

func (d *deadline) stop() {
	if d.t != nil {
		d.t.Stop()
	}
}

// deposal is what one attempt to depose found.
type deposal struct {
	won  int64 // the revision of the deposal, which confirmed our key; 0 if none
	gone bool  // the leader's key was gone already
}

// depose deletes the leader's key if its mod revision is still mod, and
// only while our own key still stands, so that one transaction both ends
// the old term and confirms the new one: no read after it, which could go
// to the member that was cut off and wait there. Each attempt is short
// (deposeTimeout) and retried: a retry after an attempt whose outcome was
// lost finds the key gone, our key standing, and goes on from there.
func (e *Elector) depose(ctx context.Context, kv *mvccpb.KeyValue, mod int64, ours ourKey) (deposal, error) {
	key := string(kv.Key)
	dctx, cancel := context.WithTimeout(clientv3.WithRequireLeader(ctx), deposeTimeout)
	defer cancel()
	resp, err := e.client.Txn(dctx).
		If(clientv3.Compare(clientv3.ModRevision(key), "=", mod),
			clientv3.Compare(clientv3.CreateRevision(ours.key), "=", ours.rev)).
		Then(clientv3.OpDelete(key)).
		Else(clientv3.OpGet(key, clientv3.WithKeysOnly()), clientv3.OpGet(ours.key, clientv3.WithKeysOnly())).
		Commit()
	if err != nil {
		return deposal{}, fmt.Errorf("depose %s: %w", key, err)
	}
	if resp.Succeeded {
		return deposal{won: resp.Header.Revision}, nil
	}
	mine := resp.Responses[1].GetResponseRange().GetKvs()
	if len(mine) == 0 || mine[0].CreateRevision != ours.rev {
		return deposal{}, errKeyVanished
	}
	return deposal{gone: len(resp.Responses[0].GetResponseRange().GetKvs()) == 0}, nil
}
