package leader

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

// putLeaseless writes key without a lease, as `etcdctl put` does.
func putLeaseless(t *testing.T, c *clientv3.Client, key, value string) {
	t.Helper()
	if _, err := c.Put(context.Background(), key, value); err != nil {
		t.Fatal(err)
	}
}

// eventually polls cond until it holds, failing the test after d.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, d)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// leaselessWarnings are the warnings candidate name logged about key.
func (g *group) leaselessWarnings(name, key string) []observer.LoggedEntry {
	return g.logs.FilterMessageSnippet("without a lease").
		FilterField(zap.String(fieldName, name)).
		FilterField(zap.String(fieldKey, key)).All()
}

func wantLeader(t *testing.T, c *clientv3.Client, key, want string) {
	t.Helper()
	if got, err := Leader(context.Background(), c, key); err != nil || got != want {
		t.Errorf("Leader = %q, %v; want %q", got, err, want)
	}
}

func TestLeaselessKeyBeforeCandidatesIsIgnored(t *testing.T) {
	g := newGroup(t, time.Second)
	fake := g.key + "0000fake"
	putLeaseless(t, g.client, fake, "mallory")
	g.start("a", holdUntilDone)
	first := g.nextTerm(5 * time.Second)
	if first.term.Key == fake || leaseOf(t, g.client, first.term.Key) == 0 {
		t.Fatalf("term on %s, want a key on the candidate's lease", first.term.Key)
	}
	wantLeader(t, g.client, g.key, "a")
	keys, err := LeaselessKeys(context.Background(), g.client, g.key)
	if err != nil || !cmp.Equal(keys, []string{fake}) {
		t.Errorf("LeaselessKeys = %q, %v; want [%s]", keys, err, fake)
	}
	// The term is a real one: losing the lease ends it, and the candidate
	// wins again on a new session although the older fake key is still there.
	if _, err := g.client.Revoke(context.Background(), leaseOf(t, g.client, first.term.Key)); err != nil {
		t.Fatal(err)
	}
	waitDone(t, first.ctx, 3*time.Second, "lead context after revoke")
	if cause := context.Cause(first.ctx); !errors.Is(cause, ErrLeadershipLost) {
		t.Errorf("lead context cause %v, want ErrLeadershipLost", cause)
	}
	second := g.nextTerm(5 * time.Second)
	if second.term.Revision <= first.term.Revision {
		t.Errorf("second term revision %d, not after %d", second.term.Revision, first.term.Revision)
	}
	wantLeader(t, g.client, g.key, "a")
	if n := len(g.leaselessWarnings("a", fake)); n != 1 {
		t.Errorf("fake key logged %d times over two campaigns, want once", n)
	}
}

func TestLeaselessKeyLoggedOnceOverManyCycles(t *testing.T) {
	g := newGroup(t, 2*time.Second)
	fake := g.key + "0000fake"
	putLeaseless(t, g.client, fake, "mallory")
	stepDown := func(context.Context) error { return nil }
	for _, name := range []string{"a", "b"} {
		g.start(name, stepDown)
	}
	const terms = 8
	for range terms {
		g.nextTerm(5 * time.Second)
	}
	if n := g.leaders.max.Load(); n != 1 {
		t.Errorf("at most %d candidates led at once, want 1", n)
	}
	for _, name := range []string{"a", "b"} {
		// Each candidate campaigns at least once before any term is won.
		if n := len(g.leaselessWarnings(name, fake)); n != 1 {
			t.Errorf("%s logged the fake key %d times over %d terms, want once", name, n, terms)
		}
	}
	w := g.leaselessWarnings("a", fake)
	if len(w) == 1 && w[0].Level != zap.WarnLevel {
		t.Errorf("logged at %v, want WARN", w[0].Level)
	}
}

func TestLeaselessKeyDuringTermChangesNothing(t *testing.T) {
	g := newGroup(t, 2*time.Second)
	a := g.start("a", holdUntilDone)
	first := g.nextTerm(5 * time.Second)
	fake := g.key + "0000fake"
	putLeaseless(t, g.client, fake, "mallory")
	// b campaigns behind a; once it has seen the fake key, both keys are
	// in place and a must still lead.
	g.start("b", holdUntilDone)
	eventually(t, 5*time.Second, "b logs the fake key", func() bool { return len(g.leaselessWarnings("b", fake)) > 0 })
	if first.ctx.Err() != nil {
		t.Fatalf("a lost its term to a lease-less key: %v", context.Cause(first.ctx))
	}
	wantLeader(t, g.client, g.key, "a")
	if n := len(g.leaselessWarnings("a", fake)); n != 0 {
		t.Errorf("the leader logged the fake key %d times; it does not campaign while leading", n)
	}
	// The fake key is older than b's: b takes over when a stops anyway.
	if err := a.stop(t); !errors.Is(err, context.Canceled) {
		t.Errorf("Run returned %v, want context.Canceled", err)
	}
	if second := g.nextTerm(5 * time.Second); second.by.name != "b" {
		t.Fatalf("term won by %s, want b", second.by.name)
	}
	wantLeader(t, g.client, g.key, "b")
	if n := g.leaders.max.Load(); n != 1 {
		t.Errorf("at most %d candidates led at once, want 1", n)
	}
}

func TestLeaderWithOnlyLeaselessKeys(t *testing.T) {
	g := newGroup(t, time.Second)
	putLeaseless(t, g.client, g.key+"0000fake", "mallory")
	if got, err := Leader(context.Background(), g.client, g.key); !errors.Is(err, ErrNoLeader) {
		t.Errorf("Leader = %q, %v; want ErrNoLeader", got, err)
	}
}

func TestCampaignRefusesItsKeyWrittenByOthers(t *testing.T) {
	g := newGroup(t, time.Second)
	c := g.client
	e, err := New(Options{Client: c, Key: g.key, Name: "a"})
	if err != nil {
		t.Fatal(err)
	}
	lease, err := c.Grant(context.Background(), 10)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Revoke(context.Background(), lease.ID) }) //nolint:errcheck // expires anyway
	key := fmt.Sprintf("%s/%x", e.prefix, lease.ID)
	putLeaseless(t, c, key, "a") // a guessed lease id, taken first
	if _, err := e.putKey(context.Background(), lease.ID, key); !errors.Is(err, errForeignKey) {
		t.Errorf("putKey on a lease-less key of its name: %v, want errForeignKey", err)
	}
}

func TestLeaselessLogDeduplicatesAndCaps(t *testing.T) {
	core, logs := observer.New(zap.WarnLevel)
	log := zap.New(core)
	kv := func(key string, rev int64) *mvccpb.KeyValue {
		return &mvccpb.KeyValue{Key: []byte(key), CreateRevision: rev}
	}
	var l leaselessLog
	l.note(log, 100, []*mvccpb.KeyValue{kv("/e/x", 5)})
	l.note(log, 100, []*mvccpb.KeyValue{kv("/e/x", 5)})
	l.note(log, 200, []*mvccpb.KeyValue{kv("/e/x", 5)})
	if n := logs.Len(); n != 1 {
		t.Fatalf("%d warnings for one key read three times, want 1", n)
	}
	l.note(log, 200, nil)                                 // deleted: forgotten
	l.note(log, 300, []*mvccpb.KeyValue{kv("/e/x", 250)}) // written again
	if n := logs.FilterField(zap.Int64(fieldRevision, 250)).Len(); n != 1 {
		t.Errorf("key written again logged %d times, want 1", n)
	}
	many := make([]*mvccpb.KeyValue, 0, maxLeaselessLogged+3)
	for i := range maxLeaselessLogged + 3 {
		many = append(many, kv(fmt.Sprintf("/e/many%02d", i), int64(400+i)))
	}
	before := logs.Len()
	l.note(log, 500, many)
	l.note(log, 500, many)
	if n := logs.Len() - before; n != maxLeaselessLogged+1 {
		t.Errorf("%d warnings for %d new keys, want %d and a summary", n, len(many), maxLeaselessLogged)
	}
	if n := logs.FilterField(zap.Int(fieldCount, 3)).Len(); n != 1 {
		t.Errorf("no summary counting the 3 keys not logged one by one")
	}
}
