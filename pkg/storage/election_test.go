package storage

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/client/v3/concurrency"
	"go.uber.org/zap/zaptest"

	"github.com/necoship/neco/pkg/leader"
	"github.com/necoship/neco/pkg/model"
)

func TestElectionLeader(t *testing.T) {
	s, c := newStorage(t)
	ctx := testContext(t)
	if _, err := s.ElectionLeader(ctx, s.LeaderUpdaterKey()); !errors.Is(err, ErrNotFound) {
		t.Fatalf("nobody campaigns: err = %v, want ErrNotFound", err)
	}
	// Two candidates, as pkg/leader names its keys: the first one leads
	// until its session ends, then the second.
	var sessions []*concurrency.Session
	for i, name := range []string{"boot-0", "boot-1"} {
		sess, err := concurrency.NewSession(c, concurrency.WithTTL(30))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { sess.Close() })
		sessions = append(sessions, sess)
		e := concurrency.NewElection(sess, strings.TrimSuffix(s.LeaderUpdaterKey(), "/"))
		if i == 0 {
			if err := e.Campaign(ctx, name); err != nil {
				t.Fatal(err)
			}
			continue
		}
		go e.Campaign(ctx, name) //nolint:errcheck // blocks until it leads; the session's end stops it
	}
	waitLeader := func(want string) {
		t.Helper()
		for ctx.Err() == nil {
			if got, err := s.ElectionLeader(ctx, s.LeaderUpdaterKey()); err == nil && got == want {
				return
			}
		}
		t.Fatalf("leader never became %s", want)
	}
	waitLeader("boot-0")
	if _, err := s.ElectionLeader(ctx, s.LeaderWorkerKey()); !errors.Is(err, ErrNotFound) {
		t.Errorf("worker election: err = %v, want ErrNotFound", err)
	}
	sessions[0].Close()
	waitLeader("boot-1")

	for _, bad := range []string{s.StatusCurrentKey(), strings.TrimSuffix(s.LeaderUpdaterKey(), "/")} {
		if _, err := s.ElectionLeader(ctx, bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("%q: err = %v, want ErrInvalid", bad, err)
		}
	}
}

// electLeader runs a real pkg/leader candidate named name on electionKey
// and returns the term it wins; the candidate stops with the test.
func electLeader(t *testing.T, c *clientv3.Client, electionKey, name string) (leader.Term, context.Context) {
	t.Helper()
	e, err := leader.New(leader.Options{Client: c, Key: electionKey, Name: name, TTL: 30 * time.Second,
		Logger: zaptest.NewLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	type won struct {
		term leader.Term
		ctx  context.Context
	}
	terms := make(chan won, 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.Run(ctx, func(ctx context.Context, term leader.Term) error { //nolint:errcheck // ends with ctx
			select {
			case terms <- won{term, ctx}:
			default: // only the first term is reported
			}
			<-ctx.Done()
			return nil
		})
	}()
	t.Cleanup(func() { cancel(); <-done })
	select {
	case w := <-terms:
		return w.term, w.ctx
	case <-time.After(10 * time.Second):
		t.Fatalf("%s won no term within 10s", name)
		return leader.Term{}, nil
	}
}

func TestLeaselessElectionKeys(t *testing.T) {
	s, c := newStorage(t)
	ctx := testContext(t)
	if keys, err := s.LeaselessElectionKeys(ctx, s.LeaderUpdaterKey()); err != nil || keys == nil || len(keys) != 0 {
		t.Fatalf("empty election: %q, %v; want an empty slice", keys, err)
	}
	// Written before any candidate, as `etcdctl put` would: older than the
	// real leader's key, and never deleted by etcd.
	fakes := []string{s.LeaderUpdaterKey() + "0000fake", s.LeaderUpdaterKey() + "zz"}
	for _, k := range append(fakes, s.LeaderWorkerKey()+"0000fake") {
		if _, err := c.Put(ctx, k, "mallory"); err != nil {
			t.Fatal(err)
		}
	}
	term, termCtx := electLeader(t, c, s.LeaderUpdaterKey(), "boot-0")
	if got, err := s.ElectionLeader(ctx, s.LeaderUpdaterKey()); err != nil || got != "boot-0" {
		t.Errorf("ElectionLeader = %q, %v; want boot-0", got, err)
	}
	if _, err := s.ElectionLeader(ctx, s.LeaderWorkerKey()); !errors.Is(err, ErrNotFound) {
		t.Errorf("worker election with only a lease-less key: err = %v, want ErrNotFound", err)
	}
	got, err := s.LeaselessElectionKeys(ctx, s.LeaderUpdaterKey())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(fakes, got); diff != "" {
		t.Errorf("lease-less keys (-want +got):\n%s", diff)
	}
	if got, err := s.LeaselessElectionKeys(ctx, s.LeaderWorkerKey()); err != nil || !cmp.Equal(got, []string{s.LeaderWorkerKey() + "0000fake"}) {
		t.Errorf("worker election: %q, %v", got, err)
	}

	// The real leader writes through the fence; losing its lease still
	// fences it out, whatever lease-less keys remain.
	r := model.SeenRelease{Version: v1, Tag: "release-2026.11.23-1"}
	if err := s.PutSeenRelease(ctx, term.Key, r); err != nil {
		t.Fatalf("fenced write by the leader: %v", err)
	}
	resp, err := c.Get(ctx, term.Key)
	if err != nil || len(resp.Kvs) != 1 {
		t.Fatalf("leader key: %v", err)
	}
	if _, err := c.Revoke(ctx, clientv3.LeaseID(resp.Kvs[0].Lease)); err != nil {
		t.Fatal(err)
	}
	if err := s.PutSeenRelease(ctx, term.Key, r); !errors.Is(err, ErrNoLeader) {
		t.Errorf("fenced write after the leader's lease was revoked: %v, want ErrNoLeader", err)
	}
	select {
	case <-termCtx.Done():
	case <-time.After(10 * time.Second):
		t.Error("the deposed leader's term did not end")
	}

	for _, bad := range []string{s.StatusCurrentKey(), strings.TrimSuffix(s.LeaderUpdaterKey(), "/")} {
		if _, err := s.LeaselessElectionKeys(ctx, bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("%q: err = %v, want ErrInvalid", bad, err)
		}
	}
}
