package storage

import (
	"context"
	"os"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/necoship/neco/pkg/etcdtest"
	"github.com/necoship/neco/pkg/model"
)

var srv *etcdtest.Server

func TestMain(m *testing.M) { os.Exit(etcdtest.Main(m, &srv)) }

// newStorage returns a Storage under a prefix no other test uses, and its
// client for writing raw values.
func newStorage(t *testing.T) (*Storage, *clientv3.Client) {
	t.Helper()
	c := srv.Client(t)
	return New(c, etcdtest.Prefix(t)), c
}

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// putRaw writes values by key name relative to the storage prefix and
// returns the revision of the last write.
func putRaw(t *testing.T, s *Storage, c *clientv3.Client, kvs map[string]string) int64 {
	t.Helper()
	var rev int64
	for k, v := range kvs {
		resp, err := c.Put(t.Context(), s.Prefix()+k, v)
		if err != nil {
			t.Fatal(err)
		}
		rev = resp.Header.Revision
	}
	return rev
}

// mustEncode is encode for fixtures that are valid by construction.
func mustEncode[T any](t *testing.T, v T) string {
	t.Helper()
	s, err := encode(v)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var (
	t0 = time.Date(2026, 11, 23, 1, 2, 3, 0, time.UTC)
	v1 = model.MustParseVersion("2026.11.23-1")
	v2 = model.MustParseVersion("2026.11.23-10")
)

func update(id int64) model.Update {
	return model.Update{ID: id, Version: v1, Tag: "release-2026.11.23-1", Servers: []int{0, 2, 10},
		Reason: model.ReasonUpdate, StartedAt: t0}
}

func historyEntry(id int64, r model.Result) model.HistoryEntry {
	return model.HistoryEntry{ID: id, Version: v1, Tag: "release-2026.11.23-1", Reason: model.ReasonUpdate,
		Result: r, Servers: []int{0, 2, 10}, StartedAt: t0, FinishedAt: t0.Add(time.Hour), Message: "done"}
}

func workerStatus(id int64, step int) model.WorkerStatus {
	return model.WorkerStatus{ID: id, Version: v1, Step: step, StepName: "restart etcd.service",
		Cond: model.CondRunning, UpdatedAt: t0}
}

// invalidKeys lists the key names of invalid, for comparisons.
func invalidKeys(invalid []model.InvalidKey) []string {
	out := make([]string, 0, len(invalid))
	for _, k := range invalid {
		out = append(out, k.Key)
	}
	return out
}
