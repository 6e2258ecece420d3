package leader

import (
	"context"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/necoship/neco/pkg/etcdtest"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"
	"go.uber.org/zap/zaptest/observer"
)

var srv *etcdtest.Server

func TestMain(m *testing.M) { os.Exit(etcdtest.Main(m, &srv)) }

// group is a set of candidates of one election in one test.
type group struct {
	t       *testing.T
	client  *clientv3.Client
	key     string
	ttl     time.Duration
	leaders leaders
	terms   chan *heldTerm // every term any member wins, in order
	// logs holds what every member logged at WARN and above.
	logs    *observer.ObservedLogs
	logCore zapcore.Core
}

// leaders counts candidates inside their lead function at the same moment.
type leaders struct{ now, max atomic.Int32 }

func (l *leaders) enter() {
	n := l.now.Add(1)
	for m := l.max.Load(); n > m && !l.max.CompareAndSwap(m, n); m = l.max.Load() {
	}
}

func (l *leaders) leave() { l.now.Add(-1) }

// heldTerm is one call of a candidate's lead function.
type heldTerm struct {
	term     Term
	ctx      context.Context
	by       *candidate
	returned chan struct{} // closed when lead is about to return
}

type candidate struct {
	name   string
	cancel context.CancelFunc
	done   chan error // Run's result
}

func newGroup(t *testing.T, ttl time.Duration) *group {
	return newGroupOn(t, srv.Client(t), ttl)
}

// newGroupOn is newGroup on an etcd of the test's own; client is the one
// the group inspects etcd with and its candidates use by default.
func newGroupOn(t *testing.T, client *clientv3.Client, ttl time.Duration) *group {
	core, logs := observer.New(zap.WarnLevel)
	return &group{
		t: t, client: client, key: etcdtest.Prefix(t) + "leader/", ttl: ttl,
		terms: make(chan *heldTerm, 256), logs: logs, logCore: core,
	}
}

// holdUntilDone is the lead body of most tests: lead until deposed.
func holdUntilDone(ctx context.Context) error {
	<-ctx.Done()
	return nil
}

// start runs a candidate whose lead function reports its term and then
// runs hold. The candidate is stopped when the test ends.
func (g *group) start(name string, hold func(context.Context) error) *candidate {
	g.t.Helper()
	return g.startOn(g.client, name, hold)
}

// startOn is start with a client of the candidate's own: a process whose
// etcd connection fails while the others' does not.
func (g *group) startOn(client *clientv3.Client, name string, hold func(context.Context) error) *candidate {
	g.t.Helper()
	e, err := New(Options{
		Client: client, Key: g.key, Name: name, TTL: g.ttl,
		Logger: zap.New(zapcore.NewTee(zaptest.NewLogger(g.t).Core(), g.logCore)).Named(name),
	})
	if err != nil {
		g.t.Fatal(err)
	}
	e.minPause, e.maxPause = 20*time.Millisecond, 200*time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	c := &candidate{name: name, cancel: cancel, done: make(chan error, 1)}
	lead := func(ctx context.Context, term Term) error {
		g.leaders.enter()
		h := &heldTerm{term: term, ctx: ctx, by: c, returned: make(chan struct{})}
		g.terms <- h
		err := hold(ctx)
		g.leaders.leave()
		close(h.returned)
		return err
	}
	go func() { c.done <- e.Run(ctx, lead) }()
	g.t.Cleanup(func() { c.stop(g.t) })
	return c
}

// stop cancels the candidate's Run and returns its result.
func (c *candidate) stop(t *testing.T) error {
	t.Helper()
	c.cancel()
	select {
	case err := <-c.done:
		c.done <- err // later stops see the same result
		return err
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: Run did not return 10s after cancel", c.name)
		return nil
	}
}

// nextTerm waits for the next term any member of g wins.
func (g *group) nextTerm(within time.Duration) *heldTerm {
	g.t.Helper()
	select {
	case h := <-g.terms:
		return h
	case <-time.After(within):
		g.t.Fatalf("no term won within %v", within)
		return nil
	}
}

// noTerm fails the test if any member of g wins a term within d, while
// what (the reason none may) holds.
func (g *group) noTerm(d time.Duration, what string) {
	g.t.Helper()
	select {
	case h := <-g.terms:
		g.t.Fatalf("%s led %s: %+v", h.by.name, what, h.term)
	case <-time.After(d):
	}
}

// waitDone fails the test unless ctx ends within d.
func waitDone(t *testing.T, ctx context.Context, d time.Duration, what string) {
	t.Helper()
	select {
	case <-ctx.Done():
	case <-time.After(d):
		t.Fatalf("%s: not done within %v", what, d)
	}
}

// leaseOf returns the lease the election key is attached to.
func leaseOf(t *testing.T, c *clientv3.Client, key string) clientv3.LeaseID {
	t.Helper()
	resp, err := c.Get(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Kvs) == 0 {
		t.Fatalf("election key %s does not exist", key)
	}
	return clientv3.LeaseID(resp.Kvs[0].Lease)
}

// keysUnder returns the number of keys under prefix.
func keysUnder(t *testing.T, c *clientv3.Client, prefix string) int64 {
	t.Helper()
	resp, err := c.Get(context.Background(), prefix, clientv3.WithPrefix(), clientv3.WithCountOnly())
	if err != nil {
		t.Fatal(err)
	}
	return resp.Count
}
