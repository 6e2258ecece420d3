package storage

import (
	"errors"
	"strings"
	"testing"

	"go.etcd.io/etcd/client/v3/concurrency"
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
