package storage

import (
	"context"
	"strings"
	"time"

	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/necoship/neco/pkg/backoff"
)

// WatchEvent is one change of a watched key, or the notice that the watch
// cannot continue because the revisions it needs were compacted.
type WatchEvent struct {
	// Key is the full key that changed.
	Key string
	// Value is the new value; nil when Deleted.
	Value   []byte
	Deleted bool
	// Created: the put created the key (it did not exist before).
	Created bool
	// Revision is the revision of the change. With Compacted, it is the
	// oldest revision etcd still has.
	Revision int64
	// Compacted reports that changes after the requested revision are
	// gone. It is the last event: the channel closes after it, and the
	// caller must read a new Snapshot and watch again from its Revision.
	Compacted bool
}

// The delays between two etcd watches when one ends without the caller
// asking (member restart, lost quorum, network). They double up to the
// maximum and reset after a watch delivered something.
const (
	watchRetryMin = 100 * time.Millisecond
	watchRetryMax = 5 * time.Second
)

// Watch delivers the changes of keyOrPrefix (every key under it when
// prefix is set) made after revision afterRev, in revision order. Pass a
// Snapshot's Revision to see exactly what the snapshot does not hold;
// afterRev <= 0 means changes from now on.
//
// When an etcd watch ends, Watch starts a new one after the last revision
// delivered, so a disconnect loses and repeats nothing. When that revision
// was compacted, Watch sends a Compacted event and closes the channel. The
// channel is also closed when ctx ends or the client is closed; no goroutine
// outlives either.
func (s *Storage) Watch(ctx context.Context, afterRev int64, keyOrPrefix string, prefix bool) <-chan WatchEvent {
	return s.watch(ctx, s.client, afterRev, keyOrPrefix, prefix)
}

// watch is Watch through w, which tests replace to break etcd watches.
func (s *Storage) watch(ctx context.Context, w clientv3.Watcher, afterRev int64, key string, prefix bool) <-chan WatchEvent {
	out := make(chan WatchEvent)
	r := s.resumer(w, afterRev, key, prefix, out)
	go func() {
		defer close(out)
		r.run(ctx)
	}()
	return out
}

func (s *Storage) resumer(w clientv3.Watcher, afterRev int64, key string, prefix bool, out chan<- WatchEvent) *resumer {
	r := &resumer{watcher: w, client: s.client, key: key, prefix: prefix, out: out}
	if afterRev > 0 {
		r.next = afterRev + 1
	}
	return r
}

// resumer runs etcd watches one after the other, each starting at next,
// until its watch is over; the caller closes out.
type resumer struct {
	watcher clientv3.Watcher
	client  *clientv3.Client
	key     string
	prefix  bool
	// next is the first revision not delivered yet; 0 until known when
	// watching from now.
	next int64
	out  chan<- WatchEvent
}

func (r *resumer) run(ctx context.Context) {
	delay := watchRetryMin
	for {
		progressed, done := r.once(ctx)
		if done || ctx.Err() != nil || r.client.Ctx().Err() != nil {
			return
		}
		if progressed {
			delay = watchRetryMin
		}
		if backoff.Sleep(ctx, delay) != nil {
			return
		}
		delay = min(2*delay, watchRetryMax)
	}
}

// once runs one etcd watch until its channel closes. It reports whether
// it delivered anything, and done when the caller's watch is over.
func (r *resumer) once(ctx context.Context) (progressed, done bool) {
	// RequireLeader makes a member that lost quorum end the watch instead
	// of keeping it silently open; the next watch may reach another member.
	wctx, cancel := context.WithCancel(clientv3.WithRequireLeader(ctx))
	defer cancel()
	opts := []clientv3.OpOption{clientv3.WithCreatedNotify()}
	if r.next > 0 {
		opts = append(opts, clientv3.WithRev(r.next))
	}
	if r.prefix {
		opts = append(opts, clientv3.WithPrefix())
	}
	for resp := range r.watcher.Watch(wctx, r.key, opts...) {
		if resp.CompactRevision != 0 {
			r.send(ctx, WatchEvent{Compacted: true, Revision: resp.CompactRevision})
			return progressed, true
		}
		if r.next == 0 && resp.Created {
			// Watching from now: the watch covers what follows the
			// revision it was created at.
			r.next = resp.Header.Revision + 1
		}
		for _, ev := range resp.Events {
			if !r.send(ctx, event(ev)) {
				return progressed, true
			}
			r.next = ev.Kv.ModRevision + 1
			progressed = true
		}
	}
	return progressed, false
}

// send delivers ev unless ctx ends first.
func (r *resumer) send(ctx context.Context, ev WatchEvent) bool {
	select {
	case r.out <- ev:
		return true
	case <-ctx.Done():
		return false
	}
}

func event(ev *clientv3.Event) WatchEvent {
	out := WatchEvent{Key: string(ev.Kv.Key), Revision: ev.Kv.ModRevision}
	if ev.Type == mvccpb.DELETE {
		out.Deleted = true
	} else {
		out.Value = ev.Kv.Value
		out.Created = ev.Kv.CreateRevision == ev.Kv.ModRevision
	}
	return out
}

// Heartbeat reports whether ev is an election leader's heartbeat: its
// election key put again, same value (pkg/leader). It changes nothing a
// snapshot or `neco status` shows, so a reader that redraws on changes
// skips it; each elected leader makes one every 2 s.
func (s *Storage) Heartbeat(ev WatchEvent) bool {
	return !ev.Deleted && !ev.Created && !ev.Compacted && strings.HasPrefix(ev.Key, s.leaderPrefix())
}
