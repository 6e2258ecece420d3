package storage

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/client/v3/concurrency"

	"github.com/necoship/neco/pkg/model"
)

// campaign makes a real updater leader and returns its election key and
// the session whose end revokes it.
func campaign(t *testing.T, s *Storage, c *clientv3.Client) (string, *concurrency.Session) {
	t.Helper()
	return campaignOn(t, c, s.LeaderUpdaterKey(), "boot-0")
}

// campaignOn wins the election on prefix as name.
func campaignOn(t *testing.T, c *clientv3.Client, prefix, name string) (string, *concurrency.Session) {
	t.Helper()
	sess, err := concurrency.NewSession(c, concurrency.WithTTL(30))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sess.Close() })
	e := concurrency.NewElection(sess, prefix)
	if err := e.Campaign(testContext(t), name); err != nil {
		t.Fatal(err)
	}
	return e.Key(), sess
}

// dataKVs returns every key outside leader/, to check that a refused
// write changed nothing.
func dataKVs(t *testing.T, s *Storage, c *clientv3.Client) []*mvccpb.KeyValue {
	t.Helper()
	resp, err := c.Get(t.Context(), s.Prefix(), clientv3.WithPrefix())
	if err != nil {
		t.Fatal(err)
	}
	return slices.DeleteFunc(resp.Kvs, func(kv *mvccpb.KeyValue) bool {
		return strings.HasPrefix(string(kv.Key), s.leaderPrefix())
	})
}

// cmpKVs compares etcd key-values, revisions included.
var cmpKVs = cmp.Comparer(func(a, b *mvccpb.KeyValue) bool { return a.String() == b.String() })

// fencedCase is a fenced write done once as leader, then once more (a
// write that would succeed) after the leader's session ended.
type fencedCase struct {
	setup map[string]string
	// reset restores setup (and removes history/1) after the first write,
	// so that the second one would succeed as leader.
	reset         bool
	first, second func(ctx context.Context, s *Storage, key string) error
}

func fencedCases() map[string]fencedCase {
	return map[string]fencedCase{
		"StartUpdate": {
			first: func(ctx context.Context, s *Storage, key string) error {
				return s.StartUpdate(ctx, key, update(1), model.Barrier{ID: 1})
			},
			second: func(ctx context.Context, s *Storage, key string) error {
				return s.StartUpdate(ctx, key, update(2), model.Barrier{ID: 2})
			},
		},
		"AdvanceBarrier": {
			setup: map[string]string{"status/barrier": `{"id":1,"step":0}`},
			first: func(ctx context.Context, s *Storage, key string) error {
				return s.AdvanceBarrier(ctx, key, model.Barrier{ID: 1, Step: 1})
			},
			second: func(ctx context.Context, s *Storage, key string) error {
				return s.AdvanceBarrier(ctx, key, model.Barrier{ID: 1, Step: 2})
			},
		},
		"PutTurns": {
			setup: map[string]string{"status/barrier": `{"id":1,"step":0}`},
			first: func(ctx context.Context, s *Storage, key string) error {
				return s.PutTurns(ctx, key, model.Turns{ID: 1, Open: 1})
			},
			second: func(ctx context.Context, s *Storage, key string) error {
				return s.PutTurns(ctx, key, model.Turns{ID: 1, Done: 1, Open: 2})
			},
		},
		"FinishUpdate": {
			setup: map[string]string{"status/current": mustJSON(update(1))},
			reset: true,
			first: func(ctx context.Context, s *Storage, key string) error {
				return s.FinishUpdate(ctx, key, update(1), historyEntry(1, model.ResultCompleted))
			},
			second: func(ctx context.Context, s *Storage, key string) error {
				return s.FinishUpdate(ctx, key, update(1), historyEntry(1, model.ResultAborted))
			},
		},
		"PutSeenRelease": {
			first: func(ctx context.Context, s *Storage, key string) error {
				return s.PutSeenRelease(ctx, key, model.SeenRelease{Version: v1, Tag: "release-1"})
			},
			second: func(ctx context.Context, s *Storage, key string) error {
				return s.PutSeenRelease(ctx, key, model.SeenRelease{Version: v2, Tag: "release-2"})
			},
		},
		"PutReleaseCheck": {
			first: func(ctx context.Context, s *Storage, key string) error {
				return s.PutReleaseCheck(ctx, key, model.ReleaseCheck{Error: "unauthorized", Since: t0})
			},
			second: func(ctx context.Context, s *Storage, key string) error {
				return s.PutReleaseCheck(ctx, key, model.ReleaseCheck{Since: t0.Add(time.Minute)})
			},
		},
		"PutCandidate": {
			first: func(ctx context.Context, s *Storage, key string) error {
				return s.PutCandidate(ctx, key, model.Candidate{Version: v1, Tag: "release-1"})
			},
			second: func(ctx context.Context, s *Storage, key string) error {
				return s.PutCandidate(ctx, key, model.Candidate{Version: v2, Tag: "release-2"})
			},
		},
		"DeleteCandidate": {
			setup: map[string]string{"info/candidate": mustJSON(model.Candidate{Version: v1, Tag: "t"})},
			reset: true,
			first: func(ctx context.Context, s *Storage, key string) error { return s.DeleteCandidate(ctx, key) },
			second: func(ctx context.Context, s *Storage, key string) error {
				return s.DeleteCandidate(ctx, key)
			},
		},
	}
}

func TestFencedWritesNeedTheLeaderKey(t *testing.T) {
	for name, tt := range fencedCases() {
		t.Run(name, func(t *testing.T) {
			s, c := newStorage(t)
			putRaw(t, s, c, tt.setup)
			key, sess := campaign(t, s, c)
			ctx := testContext(t)
			if err := tt.first(ctx, s, key); err != nil {
				t.Fatalf("as leader: %v", err)
			}
			if tt.reset {
				putRaw(t, s, c, tt.setup)
				if _, err := c.Delete(t.Context(), s.HistoryKey(1)); err != nil {
					t.Fatal(err)
				}
			}
			if err := sess.Close(); err != nil {
				t.Fatal(err)
			}
			before := dataKVs(t, s, c)
			if err := tt.second(ctx, s, key); !errors.Is(err, ErrNoLeader) {
				t.Fatalf("after the session ended: err = %v, want ErrNoLeader", err)
			}
			if diff := cmp.Diff(before, dataKVs(t, s, c), cmpKVs); diff != "" {
				t.Errorf("refused write changed keys (-before +after)\n%s", diff)
			}
			// The refusal was the fence alone: a new leader may write.
			key2, _ := campaign(t, s, c)
			if err := tt.second(ctx, s, key2); err != nil {
				t.Errorf("as the new leader: %v", err)
			}
		})
	}
}

func TestFencedRejectsForeignKeys(t *testing.T) {
	s, _ := newStorage(t)
	r := model.SeenRelease{Version: v1, Tag: "release-1"}
	// A well-formed key that no election created: nobody leads.
	if err := s.PutSeenRelease(testContext(t), s.LeaderUpdaterKey()+"694d9a1b2c3d4e5f", r); !errors.Is(err, ErrNoLeader) {
		t.Errorf("uncreated key: err = %v, want ErrNoLeader", err)
	}
	for _, key := range []string{"", s.LeaderUpdaterKey(), s.StatusCurrentKey(), "/other/leader/updater/1"} {
		if err := s.PutSeenRelease(testContext(t), key, r); !errors.Is(err, ErrInvalid) {
			t.Errorf("key %q: err = %v, want ErrInvalid", key, err)
		}
	}
}

func TestStartUpdateOnlyIncreasesID(t *testing.T) {
	s, c := newStorage(t)
	ctx := testContext(t)
	key, _ := campaign(t, s, c)
	start := func(id int64) error { return s.StartUpdate(ctx, key, update(id), model.Barrier{ID: id}) }
	if err := start(5); err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{5, 4, 1} {
		if err := start(id); !errors.Is(err, ErrConflict) {
			t.Errorf("id %d after 5: err = %v, want ErrConflict", id, err)
		}
	}
	// An id whose history exists is never started again, even if
	// status/current was lost.
	putRaw(t, s, c, map[string]string{"history/00000000000000000007": mustJSON(historyEntry(7, model.ResultCompleted))})
	if _, err := c.Delete(ctx, s.StatusCurrentKey()); err != nil {
		t.Fatal(err)
	}
	if err := start(7); !errors.Is(err, ErrConflict) {
		t.Errorf("id 7 with history: err = %v, want ErrConflict", err)
	}
	if err := start(8); err != nil {
		t.Fatal(err)
	}
	snap, err := s.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := update(8)
	if diff := cmp.Diff(&want, snap.Current); diff != "" {
		t.Errorf("current (-want +got)\n%s", diff)
	}
	if diff := cmp.Diff(&model.Barrier{ID: 8}, snap.Barrier); diff != "" {
		t.Errorf("barrier (-want +got)\n%s", diff)
	}
}

func TestStartUpdateRejects(t *testing.T) {
	s, c := newStorage(t)
	ctx := testContext(t)
	key, _ := campaign(t, s, c)
	bad := update(1)
	bad.Servers = []int{10, 2}
	if err := s.StartUpdate(ctx, key, bad, model.Barrier{ID: 1}); !errors.Is(err, ErrInvalid) {
		t.Errorf("unsorted servers: err = %v, want ErrInvalid", err)
	}
	if err := s.StartUpdate(ctx, key, update(1), model.Barrier{ID: 2}); !errors.Is(err, ErrInvalid) {
		t.Errorf("barrier of another update: err = %v, want ErrInvalid", err)
	}
	// A status/current that does not decode says nothing about the last id:
	// refuse rather than risk starting an id twice.
	putRaw(t, s, c, map[string]string{"status/current": "{"})
	err := s.StartUpdate(ctx, key, update(1), model.Barrier{ID: 1})
	var invalid model.InvalidKey
	if !errors.As(err, &invalid) || invalid.Key != s.StatusCurrentKey() {
		t.Errorf("garbage status/current: err = %v, want InvalidKey", err)
	}
}

func TestAdvanceBarrierOnlyForward(t *testing.T) {
	s, c := newStorage(t)
	ctx := testContext(t)
	key, _ := campaign(t, s, c)
	if err := s.AdvanceBarrier(ctx, key, model.Barrier{ID: 5, Step: 1}); !errors.Is(err, ErrNotFound) {
		t.Errorf("no barrier: err = %v, want ErrNotFound", err)
	}
	if err := s.StartUpdate(ctx, key, update(5), model.Barrier{ID: 5, Canary: true}); err != nil {
		t.Fatal(err)
	}
	// The canary phase comes before the rest: leaving it opens step 0
	// again, and nothing goes back into it.
	tests := []struct {
		b    model.Barrier
		want error
	}{
		{model.Barrier{ID: 5, Step: 1, Canary: true}, nil},
		{model.Barrier{ID: 5, Step: 1, Canary: true}, ErrConflict},
		{model.Barrier{ID: 5, Step: 0, Canary: true}, ErrConflict},
		{model.Barrier{ID: 5, Step: 4, Canary: true}, nil},
		{model.Barrier{ID: 5, Step: 0}, nil},
		{model.Barrier{ID: 5, Step: 9, Canary: true}, ErrConflict},
		{model.Barrier{ID: 5, Step: 1}, nil},
		{model.Barrier{ID: 5, Step: 1}, ErrConflict},
		{model.Barrier{ID: 5, Step: 0}, ErrConflict},
		{model.Barrier{ID: 4, Step: 9}, ErrConflict},
		{model.Barrier{ID: 6, Step: 9}, ErrConflict},
		{model.Barrier{ID: 5, Step: -1}, ErrInvalid},
		{model.Barrier{ID: 5, Step: 3}, nil},
		{model.Barrier{ID: 5, Step: 2}, ErrConflict},
	}
	for _, tt := range tests {
		if err := s.AdvanceBarrier(ctx, key, tt.b); !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
			t.Errorf("%+v: err = %v, want %v", tt.b, err, tt.want)
		}
	}
	snap, err := s.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&model.Barrier{ID: 5, Step: 3}, snap.Barrier); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}

func TestFinishUpdateNeverOverwritesHistory(t *testing.T) {
	s, c := newStorage(t)
	ctx := testContext(t)
	key, _ := campaign(t, s, c)
	if err := s.StartUpdate(ctx, key, update(5), model.Barrier{ID: 5}); err != nil {
		t.Fatal(err)
	}
	stopped := update(5)
	stopped.Stop = true
	aborted := historyEntry(5, model.ResultAborted)
	if err := s.FinishUpdate(ctx, key, stopped, aborted); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishUpdate(ctx, key, update(5), historyEntry(5, model.ResultCompleted)); !errors.Is(err, ErrConflict) {
		t.Errorf("second finish: err = %v, want ErrConflict", err)
	}
	if err := s.FinishUpdate(ctx, key, update(4), historyEntry(4, model.ResultCompleted)); !errors.Is(err, ErrConflict) {
		t.Errorf("finish of an older update: err = %v, want ErrConflict", err)
	}
	if err := s.FinishUpdate(ctx, key, update(5), historyEntry(6, model.ResultCompleted)); !errors.Is(err, ErrInvalid) {
		t.Errorf("history of another update: err = %v, want ErrInvalid", err)
	}
	snap, err := s.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&stopped, snap.Current); diff != "" {
		t.Errorf("current (-want +got)\n%s", diff)
	}
	if diff := cmp.Diff(&aborted, snap.Finished); diff != "" {
		t.Errorf("finished (-want +got)\n%s", diff)
	}
}

func TestPutCandidateKeepsApproval(t *testing.T) {
	s, c := newStorage(t)
	ctx := testContext(t)
	key, _ := campaign(t, s, c)
	if err := s.PutCandidate(ctx, key, model.Candidate{Version: v1, Tag: "release-1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ApproveCandidate(ctx, v1, "alice@boot-0", t0); err != nil {
		t.Fatal(err)
	}
	if err := s.PutCandidate(ctx, key, model.Candidate{Version: v1, Tag: "release-1"}); !errors.Is(err, ErrConflict) {
		t.Errorf("same version again: err = %v, want ErrConflict", err)
	}
	putRaw(t, s, c, map[string]string{"info/candidate": "{"})
	if err := s.PutCandidate(ctx, key, model.Candidate{Version: v2, Tag: "release-2"}); err != nil {
		t.Errorf("replacing garbage: %v", err)
	}
}
