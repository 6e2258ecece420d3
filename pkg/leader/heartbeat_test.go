package leader

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/necoship/neco/pkg/etcdtest"
)

// electionKV returns key's key-value, nil when it does not exist.
func electionKV(t *testing.T, c *clientv3.Client, key string) *mvccpb.KeyValue {
	t.Helper()
	resp, err := c.Get(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Kvs) == 0 {
		return nil
	}
	return resp.Kvs[0]
}

// stuckLeader puts an election key on a lease of its own, as a leader
// whose process stopped would have left it, and returns the key and the
// lease. beats is how often the key is put again after its creation: a
// leader of this version has beaten at least once, one of an older neco
// never.
func (g *group) stuckLeader(leaseTTL int64, beats int) (string, clientv3.LeaseID) {
	g.t.Helper()
	ctx := context.Background()
	lease, err := g.client.Grant(ctx, leaseTTL)
	if err != nil {
		g.t.Fatal(err)
	}
	key := fmt.Sprintf("%s%x", g.key, lease.ID)
	for range beats + 1 {
		if _, err := g.client.Put(ctx, key, "stuck", clientv3.WithLease(lease.ID)); err != nil {
			g.t.Fatal(err)
		}
	}
	return key, lease.ID
}

func TestLeaderHeartbeats(t *testing.T) {
	g := newGroup(t, 2*time.Second)
	g.start("a", holdUntilDone)
	h := g.nextTerm(5 * time.Second)
	var mods []int64
	eventually(t, 5*time.Second, "the leader's key to be put twice", func() bool {
		kv := electionKV(t, g.client, h.term.Key)
		if kv == nil || kv.CreateRevision != h.term.Revision {
			t.Fatalf("leader's key %s is %v, want it at create revision %d", h.term.Key, kv, h.term.Revision)
		}
		if string(kv.Value) != "a" || clientv3.LeaseID(kv.Lease) != leaseOf(t, g.client, h.term.Key) {
			t.Fatalf("a beat changed the key's value or lease: %v", kv)
		}
		if kv.ModRevision > kv.CreateRevision && (len(mods) == 0 || mods[len(mods)-1] != kv.ModRevision) {
			mods = append(mods, kv.ModRevision)
		}
		return len(mods) >= 2
	})
	if h.ctx.Err() != nil {
		t.Errorf("the term ended while beating: %v", context.Cause(h.ctx))
	}
}

func TestSilentLeaderIsDeposed(t *testing.T) {
	g := newGroup(t, 2*time.Second)
	// The lease outlives the test: only the missing beats can end it.
	key, lease := g.stuckLeader(60, 1)
	lastBeat := time.Now()
	b := g.start("b", holdUntilDone)
	h := g.nextTerm(10 * time.Second)
	took := time.Since(lastBeat)
	if h.by != b {
		t.Fatalf("term won by %s", h.by.name)
	}
	if took < g.ttl {
		t.Errorf("b led %v after the last beat, want no sooner than the TTL %v", took, g.ttl)
	}
	if kv := electionKV(t, g.client, key); kv != nil {
		t.Errorf("the deposed leader's key is still there: %v", kv)
	}
	ttl, err := g.client.TimeToLive(context.Background(), lease)
	if err != nil || ttl.TTL < 0 {
		t.Errorf("the deposed leader's lease: %v, %v; want it alive (deposed, not expired)", ttl, err)
	}
	var deposed bool
	for _, e := range g.logs.FilterMessage("deposed the leader: no heartbeat seen for a session TTL").All() {
		deposed = deposed || (e.ContextMap()[fieldKey] == key && e.ContextMap()[fieldLeader] == "stuck")
	}
	if !deposed {
		t.Errorf("no warning that %s was deposed; logged: %v", key, g.logs.All())
	}
}

// TestLeaderSeenBeforeItsFirstBeatIsDeposed: candidates that start
// together read the new leader's key before its first beat; the beat
// that follows makes it one that may be deposed.
func TestLeaderSeenBeforeItsFirstBeatIsDeposed(t *testing.T) {
	g := newGroup(t, 2*time.Second)
	key, _ := g.stuckLeader(60, 0)
	g.start("b", holdUntilDone)
	eventually(t, 5*time.Second, "b to campaign", func() bool { return keysUnder(t, g.client, g.key) == 2 })
	g.noTerm(2*g.ttl, "before the leader's first beat")
	if _, err := g.client.Put(context.Background(), key, "stuck", clientv3.WithIgnoreLease()); err != nil {
		t.Fatal(err)
	}
	beat := time.Now()
	h := g.nextTerm(10 * time.Second)
	if took := time.Since(beat); h.by.name != "b" || took < g.ttl {
		t.Errorf("%s led %v after the only beat, want b no sooner than the TTL %v", h.by.name, took, g.ttl)
	}
	if kv := electionKV(t, g.client, key); kv != nil {
		t.Errorf("the deposed leader's key is still there: %v", kv)
	}
}

func TestBeatingLeaderIsNotDeposed(t *testing.T) {
	g := newGroup(t, 2*time.Second)
	g.start("a", holdUntilDone)
	first := g.nextTerm(5 * time.Second)
	g.start("b", holdUntilDone)
	eventually(t, 5*time.Second, "b to campaign", func() bool { return keysUnder(t, g.client, g.key) == 2 })
	g.noTerm(4*g.ttl, "while a beat")
	if first.ctx.Err() != nil {
		t.Errorf("a's term ended: %v", context.Cause(first.ctx))
	}
	if n := g.logs.FilterMessageSnippet("deposed").Len(); n != 0 {
		t.Errorf("%d deposal warnings, want none", n)
	}
}

// TestLeaderThatNeverBeatIsWaitedForOnItsLease: a leader of an older neco
// (during a rolling self-update) never puts its key again; it keeps the
// election as long as its lease lives, however long that is.
func TestLeaderThatNeverBeatIsWaitedForOnItsLease(t *testing.T) {
	g := newGroup(t, time.Second)
	key, lease := g.stuckLeader(2, 0)
	kctx, stopKeepAlive := context.WithCancel(context.Background())
	defer stopKeepAlive()
	ka, err := g.client.KeepAlive(kctx, lease)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for range ka {
		}
	}()
	g.start("b", holdUntilDone)
	g.noTerm(5*g.ttl, "while the old leader's lease was kept alive")
	if electionKV(t, g.client, key) == nil {
		t.Fatalf("the old leader's key %s was deleted", key)
	}
	if _, err := g.client.Revoke(context.Background(), lease); err != nil {
		t.Fatal(err)
	}
	if h := g.nextTerm(5 * time.Second); h.by.name != "b" {
		t.Errorf("term won by %s, want b", h.by.name)
	}
}

// TestSuccessorLeadsBeforeTheOldLeaseRunsOut is the data-center test's
// partition on a real three-member etcd: the leader's only member, which
// is also etcd's raft leader, goes. The new raft leader renews every lease
// as it takes over, so the old leader's lease outlives it by more than an
// election; the successor deposes it before that, once it has seen no beat
// for a TTL, and the old leader has ended its term by then.
func TestSuccessorLeadsBeforeTheOldLeaseRunsOut(t *testing.T) {
	cluster := etcdtest.StartCluster(t, 3)
	cluster.MoveLeader(t, 0)
	g := newGroupOn(t, cluster.Client(t, 1, 2), 3*time.Second)
	g.startOn(cluster.Client(t, 0), "a", holdUntilDone)
	first := g.nextTerm(10 * time.Second)
	g.start("b", holdUntilDone)
	eventually(t, 10*time.Second, "b to campaign and a to beat", func() bool {
		kv := electionKV(t, g.client, first.term.Key)
		return keysUnder(t, g.client, g.key) == 2 && kv != nil && kv.ModRevision > kv.CreateRevision
	})
	oldLease := leaseOf(t, g.client, first.term.Key)

	cluster.KillMember(0)
	second := g.nextTerm(30 * time.Second)
	if second.by.name != "b" {
		t.Fatalf("term won by %s, want b", second.by.name)
	}
	// TTL is -1 once the lease is gone (0: under a second left).
	if ttl, err := g.client.TimeToLive(context.Background(), oldLease); err != nil || ttl.TTL < 0 {
		t.Errorf("a's lease when b led: %v, %v; want it alive (b deposed a rather than waiting for its lease)", ttl, err)
	}
	if g.logs.FilterMessageSnippet("deposed the leader").Len() != 1 {
		t.Errorf("b did not say it deposed a; logged: %v", g.logs.All())
	}
	select {
	case <-first.ctx.Done():
	default:
		t.Fatal("a still held its term when b led")
	}
	if cause := context.Cause(first.ctx); !errors.Is(cause, ErrLeadershipLost) || !strings.Contains(cause.Error(), "no heartbeat went through") {
		t.Errorf("a's term ended with %v, want ErrLeadershipLost for its failed beats", cause)
	}
	if n := g.leaders.max.Load(); n != 1 {
		t.Errorf("%d candidates led at once, want 1", n)
	}
}

// cutWatcher answers its first watches as a member cut off from its
// cluster does: cancelled (the reason, "no leader", is not settable here).
type cutWatcher struct {
	clientv3.Watcher
	cuts atomic.Int32 // watches still to cut
}

func (w *cutWatcher) Watch(ctx context.Context, key string, opts ...clientv3.OpOption) clientv3.WatchChan {
	if w.cuts.Add(-1) < 0 {
		return w.Watcher.Watch(ctx, key, opts...)
	}
	ch := make(chan clientv3.WatchResponse, 1)
	ch <- clientv3.WatchResponse{Canceled: true}
	close(ch)
	return ch
}

// TestDeposalKeepsTimeThroughBrokenWatches: the next in line's watches of
// the leader's key break, as they do when they went to a member that was
// cut off; the deposal still comes a TTL after the last beat, and the
// campaign goes on without failing.
func TestDeposalKeepsTimeThroughBrokenWatches(t *testing.T) {
	g := newGroup(t, 2*time.Second)
	key, _ := g.stuckLeader(60, 1)
	lastBeat := time.Now()
	client := srv.Client(t)
	cut := &cutWatcher{Watcher: client.Watcher}
	cut.cuts.Store(5)
	client.Watcher = cut
	g.startOn(client, "b", holdUntilDone)
	h := g.nextTerm(10 * time.Second)
	if took := time.Since(lastBeat); took < g.ttl || took > g.ttl+3*time.Second {
		t.Errorf("b led %v after the last beat, want a TTL (%v) and a few seconds at most", took, g.ttl)
	}
	if electionKV(t, g.client, key) != nil || h.by.name != "b" {
		t.Errorf("term %+v by %s, and the old key still there", h.term, h.by.name)
	}
	if n := cut.cuts.Load(); n >= 0 {
		t.Errorf("%d watches left uncut: the test cut fewer than it meant to", n+1)
	}
	if errs := g.logs.FilterMessage("election cycle failed").Len(); errs != 0 {
		t.Errorf("%d failed election cycles, want the broken watches opened again within the campaign", errs)
	}
}

// TestDeposeIsOneConditionalTransaction: a deposal deletes the leader's
// key only at the mod revision last seen and only while our own key
// stands, and tells the campaign which of those held.
func TestDeposeIsOneConditionalTransaction(t *testing.T) {
	tests := []struct {
		name       string
		beatAgain  bool // the leader beats after we saw it
		leaderGone bool // the leader's key is deleted first
		oursGone   bool // our own key is deleted first
		wantWon    bool // we deposed the leader and lead
		wantGone   bool // found the leader's key gone
		wantErr    error
		wantLeader bool // the leader's key exists afterwards
	}{
		{name: "silent leader, our key stands: deposed, and we lead", wantWon: true},
		{name: "a beat we had not seen yet", beatAgain: true, wantLeader: true},
		{name: "leader gone already", leaderGone: true, wantGone: true},
		{name: "our key gone: nothing deleted", oursGone: true, wantErr: errKeyVanished, wantLeader: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newGroup(t, 2*time.Second)
			e, err := New(Options{Client: g.client, Key: g.key, Name: "b"})
			if err != nil {
				t.Fatal(err)
			}
			key, _ := g.stuckLeader(60, 1)
			kv := electionKV(t, g.client, key)
			ctx := context.Background()
			ourName := g.key + "ours"
			put, err := g.client.Put(ctx, ourName, "b")
			if err != nil {
				t.Fatal(err)
			}
			ours := ourKey{key: ourName, rev: put.Header.Revision}
			switch {
			case tt.beatAgain:
				_, err = g.client.Put(ctx, key, "stuck", clientv3.WithIgnoreLease())
			case tt.leaderGone:
				_, err = g.client.Delete(ctx, key)
			case tt.oursGone:
				_, err = g.client.Delete(ctx, ourName)
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := e.depose(ctx, kv, kv.ModRevision, ours)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("depose = %+v, %v; want error %v", got, err, tt.wantErr)
			}
			if won := got.won > ours.rev; won != tt.wantWon || got.gone != tt.wantGone || (!won && got.won != 0) {
				t.Errorf("depose = %+v, want won (at a revision after our key's, %d) %v, gone %v", got, ours.rev, tt.wantWon, tt.wantGone)
			}
			if exists := electionKV(t, g.client, key) != nil; exists != tt.wantLeader {
				t.Errorf("leader's key exists: %v, want %v", exists, tt.wantLeader)
			}
		})
	}
}
