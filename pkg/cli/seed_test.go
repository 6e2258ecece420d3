package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/necoship/neco/pkg/model"
)

// seeder writes and reads raw keys under a test cluster's prefix, the way
// the updater, the workers (or an operator with etcdctl) leave them.
type seeder struct {
	t      *testing.T
	client *clientv3.Client
	prefix string
}

func seed(c *cluster) *seeder {
	return &seeder{t: c.t, client: srv.Client(c.t), prefix: c.store.Prefix()}
}

// raw writes value at prefix+name.
func (s *seeder) raw(name, value string) {
	s.t.Helper()
	if _, err := s.client.Put(s.t.Context(), s.prefix+name, value); err != nil {
		s.t.Fatal(err)
	}
}

// json writes v encoded as storage encodes it.
func (s *seeder) json(name string, v any) {
	s.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		s.t.Fatal(err)
	}
	s.raw(name, string(b))
}

// get reads prefix+name raw; ok is false when absent.
func (s *seeder) get(name string) (string, bool) {
	s.t.Helper()
	resp, err := s.client.Get(s.t.Context(), s.prefix+name)
	if err != nil {
		s.t.Fatal(err)
	}
	if len(resp.Kvs) == 0 {
		return "", false
	}
	return string(resp.Kvs[0].Value), true
}

// decode reads prefix+name into v, failing the test when absent.
func (s *seeder) decode(name string, v any) {
	s.t.Helper()
	raw, ok := s.get(name)
	if !ok {
		s.t.Fatalf("%s: absent", name)
	}
	if err := json.Unmarshal([]byte(raw), v); err != nil {
		s.t.Fatalf("%s: %v", name, err)
	}
}

// Fixtures: update 12 from 2026.11.23-1 on servers 0, 1, 2 and 10,
// started 5m12s before testNow.
var (
	fixVersion = model.MustParseVersion("2026.11.23-1")
	fixNewer   = model.MustParseVersion("2026.11.24-1")
	fixStarted = testNow.Add(-5*time.Minute - 12*time.Second)
)

func (s *seeder) bootservers(lrns ...int) {
	s.t.Helper()
	for _, l := range lrns {
		s.json("bootservers/"+itoa(l), model.Bootserver{LRN: l, Hostname: "boot-" + itoa(l), JoinedAt: fixStarted.Add(-time.Hour)})
	}
}

func fixUpdate(stop bool) model.Update {
	return model.Update{ID: 12, Version: fixVersion, Tag: "release-2026.11.23-1", Servers: []int{0, 1, 2, 10},
		Stop: stop, Reason: model.ReasonUpdate, StartedAt: fixStarted}
}

func (s *seeder) current(stop bool) {
	s.t.Helper()
	s.json("status/current", fixUpdate(stop))
}

// finished records how update 12 ended, after d.
func (s *seeder) finished(r model.Result, d time.Duration, msg string) {
	s.t.Helper()
	s.json("history/00000000000000000012", model.HistoryEntry{ID: 12, Version: fixVersion, Tag: "release-2026.11.23-1",
		Reason: model.ReasonUpdate, Result: r, Servers: []int{0, 1, 2, 10}, StartedAt: fixStarted,
		FinishedAt: fixStarted.Add(d), Message: msg})
}

func (s *seeder) worker(lrn int, id int64, step int, name string, cond model.Cond, ago time.Duration, msg string) {
	s.t.Helper()
	s.json("status/bootservers/"+itoa(lrn), model.WorkerStatus{ID: id, Version: fixVersion, Step: step, StepName: name,
		Cond: cond, Message: msg, UpdatedAt: testNow.Add(-ago)})
}

// leader makes name the updater leader, as an election key would, and
// returns the key. Like a candidate's, the key is on a lease: a key
// without one is never leader. The lease is revoked when the test ends.
func (s *seeder) leader(name string) string {
	s.t.Helper()
	lease, err := s.client.Grant(s.t.Context(), 600)
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { s.client.Revoke(context.Background(), lease.ID) }) //nolint:errcheck // expires anyway
	key := fmt.Sprintf("%sleader/updater/%x", s.prefix, lease.ID)
	if _, err := s.client.Put(s.t.Context(), key, name, clientv3.WithLease(lease.ID)); err != nil {
		s.t.Fatal(err)
	}
	return key
}

func itoa(n int) string { return strconv.Itoa(n) }
