package leader

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

func TestOneLeaderAtATime(t *testing.T) {
	g := newGroup(t, 2*time.Second)
	// Each leader steps down after a moment, so the election changes hands
	// many times while three candidates compete.
	stepDown := func(ctx context.Context) error {
		select {
		case <-ctx.Done():
		case <-time.After(30 * time.Millisecond):
		}
		return nil
	}
	for _, name := range []string{"a", "b", "c"} {
		g.start(name, stepDown)
	}
	var prev int64
	for range 8 {
		h := g.nextTerm(5 * time.Second)
		if h.term.Revision <= prev {
			t.Errorf("term revision %d after %d: not increasing", h.term.Revision, prev)
		}
		prev = h.term.Revision
	}
	if n := g.leaders.max.Load(); n != 1 {
		t.Errorf("at most %d candidates led at once, want 1", n)
	}
}

func TestCancelledLeaderHandsOverAtOnce(t *testing.T) {
	// A TTL far above the deadline below: the takeover must come from the
	// resign, not from the old lease expiring.
	g := newGroup(t, 10*time.Second)
	g.start("a", holdUntilDone)
	g.start("b", holdUntilDone)
	first := g.nextTerm(5 * time.Second)

	if err := first.by.stop(t); !errors.Is(err, context.Canceled) {
		t.Errorf("Run returned %v, want context.Canceled", err)
	}
	select {
	case <-first.returned:
	default:
		t.Error("Run returned before its lead function")
	}
	second := g.nextTerm(2 * time.Second)
	if second.by == first.by {
		t.Fatalf("stopped candidate %s led again", first.by.name)
	}
	if n := g.leaders.max.Load(); n != 1 {
		t.Errorf("at most %d candidates led at once, want 1", n)
	}
}

func TestRevokedLeaderHandsOver(t *testing.T) {
	g := newGroup(t, time.Second)
	g.start("a", holdUntilDone)
	g.start("b", holdUntilDone)
	first := g.nextTerm(5 * time.Second)

	if _, err := g.client.Revoke(context.Background(), leaseOf(t, g.client, first.term.Key)); err != nil {
		t.Fatal(err)
	}
	waitDone(t, first.ctx, 2*time.Second, "deposed leader's lead context")
	if cause := context.Cause(first.ctx); !errors.Is(cause, ErrLeadershipLost) {
		t.Errorf("lead context cause %v, want ErrLeadershipLost", cause)
	}
	// The revoked candidate may win again after the other one, but the
	// other one is older in the queue now, so it wins next.
	if second := g.nextTerm(3 * time.Second); second.by == first.by {
		t.Errorf("%s led again before the other candidate", first.by.name)
	}
}

func TestSessionExpiryCampaignsAgain(t *testing.T) {
	g := newGroup(t, time.Second)
	g.start("a", holdUntilDone)
	first := g.nextTerm(5 * time.Second)
	lease := leaseOf(t, g.client, first.term.Key)

	if _, err := g.client.Revoke(context.Background(), lease); err != nil {
		t.Fatal(err)
	}
	waitDone(t, first.ctx, 2*time.Second, "lead context after revoke")
	if cause := context.Cause(first.ctx); !errors.Is(cause, ErrLeadershipLost) {
		t.Errorf("lead context cause %v, want ErrLeadershipLost", cause)
	}
	second := g.nextTerm(5 * time.Second)
	if got := leaseOf(t, g.client, second.term.Key); got == lease {
		t.Errorf("new term on the revoked lease %x", lease)
	}
	if second.term.Revision <= first.term.Revision {
		t.Errorf("new term revision %d, not after %d", second.term.Revision, first.term.Revision)
	}
}

func TestDeletedKeyEndsLeadership(t *testing.T) {
	g := newGroup(t, 2*time.Second)
	g.start("a", holdUntilDone)
	first := g.nextTerm(5 * time.Second)

	if _, err := g.client.Delete(context.Background(), first.term.Key); err != nil {
		t.Fatal(err)
	}
	waitDone(t, first.ctx, 2*time.Second, "lead context after key deletion")
	if cause := context.Cause(first.ctx); !errors.Is(cause, ErrLeadershipLost) {
		t.Errorf("lead context cause %v, want ErrLeadershipLost", cause)
	}
	second := g.nextTerm(5 * time.Second)
	// A lost term's session is dropped although its lease lives, so the
	// next term has a new key name: the one storage fenced the lost term's
	// writes on never exists again.
	if second.term.Key == first.term.Key || second.term.Revision <= first.term.Revision {
		t.Errorf("second term %+v after %+v: want a new key, later revision", second.term, first.term)
	}
	if kv := electionKV(t, g.client, first.term.Key); kv != nil {
		t.Errorf("lost term's key %s exists again: %v", first.term.Key, kv)
	}
}

func TestRunReturnsAfterLeadAndCleansUp(t *testing.T) {
	g := newGroup(t, 10*time.Second)
	var returned atomic.Bool
	c := g.start("a", func(ctx context.Context) error {
		<-ctx.Done()
		time.Sleep(100 * time.Millisecond) // a lead that takes a moment to wind down
		returned.Store(true)
		return ctx.Err()
	})
	h := g.nextTerm(5 * time.Second)
	lease := leaseOf(t, g.client, h.term.Key)

	if err := c.stop(t); !errors.Is(err, context.Canceled) {
		t.Errorf("Run returned %v, want context.Canceled", err)
	}
	if !returned.Load() {
		t.Error("Run returned before lead did")
	}
	if n := keysUnder(t, g.client, g.key); n != 0 {
		t.Errorf("%d election keys left after Run returned, want 0", n)
	}
	ttl, err := g.client.TimeToLive(context.Background(), lease)
	if err != nil {
		t.Fatal(err)
	}
	if ttl.TTL != -1 {
		t.Errorf("session lease has TTL %d after Run returned, want revoked (-1)", ttl.TTL)
	}
}

func TestCancelWhileCampaigning(t *testing.T) {
	g := newGroup(t, 10*time.Second)
	g.start("a", holdUntilDone)
	h := g.nextTerm(5 * time.Second)
	b := g.start("b", holdUntilDone)
	deadline := time.Now().Add(5 * time.Second)
	for keysUnder(t, g.client, g.key) < 2 {
		if time.Now().After(deadline) {
			t.Fatal("second candidate never campaigned")
		}
		time.Sleep(10 * time.Millisecond)
	}

	if err := b.stop(t); !errors.Is(err, context.Canceled) {
		t.Errorf("Run returned %v, want context.Canceled", err)
	}
	if n := keysUnder(t, g.client, g.key); n != 1 {
		t.Errorf("%d election keys after the follower stopped, want the leader's only", n)
	}
	if h.ctx.Err() != nil {
		t.Error("the leader lost its term when a follower stopped")
	}
}

func TestLeadErrorsAreRetriedWithBackoff(t *testing.T) {
	g := newGroup(t, 2*time.Second)
	e, err := New(Options{Client: g.client, Key: g.key, Name: "a", TTL: g.ttl})
	if err != nil {
		t.Fatal(err)
	}
	e.minPause, e.maxPause = 20*time.Millisecond, 160*time.Millisecond
	var calls atomic.Int32
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	err = e.Run(ctx, func(context.Context, Term) error {
		calls.Add(1)
		return errors.New("boom")
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Run returned %v, want context.DeadlineExceeded", err)
	}
	// Pauses of 10-20, 20-40, 40-80 and then 80-160ms allow about ten
	// calls in a second; without them a cycle takes a few milliseconds.
	if n := calls.Load(); n < 3 || n > 20 {
		t.Errorf("lead called %d times in 1s, want 3..20", n)
	}
}

func TestUnreachableEtcdRespectsContext(t *testing.T) {
	c, err := clientv3.New(clientv3.Config{
		Endpoints: []string{"127.0.0.1:1"}, DialTimeout: time.Second, Logger: zap.NewNop(),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	e, err := New(Options{Client: c, Key: "/unreachable/", Name: "a", TTL: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = e.Run(ctx, func(context.Context, Term) error {
		t.Error("became leader without etcd")
		return nil
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Run returned %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Run took %v to return after its context ended", d)
	}
}

func TestRunNilLead(t *testing.T) {
	e, err := New(Options{Client: srv.Client(t), Key: "/k/", Name: "a"})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Run(context.Background(), nil); !errors.Is(err, ErrNilLead) {
		t.Errorf("Run(nil) = %v, want ErrNilLead", err)
	}
}
