package storage

import (
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/necoship/neco/pkg/model"
)

// baseline is one valid value for every key the snapshot reads, plus keys
// it must not decode (install/, leader/, other history) holding garbage.
func baseline(t *testing.T) (map[string]string, model.Snapshot) {
	cur := update(7)
	fin := historyEntry(7, model.ResultCompleted)
	want := model.Snapshot{
		Bootservers: map[int]model.Bootserver{
			2:  {LRN: 2, Hostname: "boot-2", JoinedAt: t0},
			10: {LRN: 10, Hostname: "boot-10", JoinedAt: t0},
		},
		Config:   map[string]string{"env": "staging", "release-time": "0 3 * * *"},
		Current:  &cur,
		Finished: &fin,
		Barrier:  &model.Barrier{ID: 7, Step: 3},
		Turns: &model.Turns{ID: 7, Step: 3, Done: 1, Open: 1,
			Soak: &model.TurnSoak{Upto: 2, At: t0.Add(5 * time.Minute), After: 2}},
		Workers:      map[int]model.WorkerStatus{2: workerStatus(7, 3), 10: workerStatus(7, 2)},
		Seen:         &model.SeenRelease{Version: v2, Tag: "release-2026.11.23-10", Prerelease: true, PublishedAt: t0},
		Candidate:    &model.Candidate{Version: v2, Tag: "release-2026.11.23-10"},
		Check:        &model.ReleaseCheck{Error: "releases: unauthorized", Since: t0},
		Contents:     map[string]model.Content{"upload-contents": {Version: v1, Success: true}},
		Holds:        map[string]model.Hold{v2.String(): {Version: v2, Reason: "rolled back", By: "rollback", At: t0}},
		Pin:          &model.Hold{Version: v1, Reason: "freeze", By: "ops@boot-0", At: t0},
		Rollback:     &model.RollbackRequest{Version: v1, Tag: "release-2026.11.23-1", From: v2, By: "ops@boot-0", At: t0},
		Irreversible: []model.IrreversibleRun{{Name: "migrate", Version: v1, StartedAt: t0}},
	}
	kvs := map[string]string{
		"bootservers/2":                            mustEncode(t, want.Bootservers[2]),
		"bootservers/10":                           mustEncode(t, want.Bootservers[10]),
		"config/env":                               "staging",
		"config/release-time":                      "0 3 * * *",
		"status/current":                           mustEncode(t, cur),
		"history/00000000000000000007":             mustEncode(t, fin),
		"status/barrier":                           mustEncode(t, *want.Barrier),
		"status/turns":                             mustEncode(t, *want.Turns),
		"status/bootservers/2":                     mustEncode(t, want.Workers[2]),
		"status/bootservers/10":                    mustEncode(t, want.Workers[10]),
		"info/release":                             mustEncode(t, *want.Seen),
		"info/candidate":                           mustEncode(t, *want.Candidate),
		"info/check":                               mustEncode(t, *want.Check),
		"contents/upload-contents":                 mustEncode(t, want.Contents["upload-contents"]),
		"policy/holds/" + v2.String():              mustEncode(t, want.Holds[v2.String()]),
		"policy/pin":                               mustEncode(t, *want.Pin),
		"request/rollback":                         mustEncode(t, *want.Rollback),
		"irreversible/" + v1.String() + "/migrate": mustEncode(t, want.Irreversible[0]),
		// Another version's runs are not read: the current one's only.
		"irreversible/" + v2.String() + "/x": "{",
		// Not read by the snapshot: garbage here must not show up.
		"history/00000000000000000006": "{",
		"history/junk":                 "{",
		"install/2/debs/etcdpasswd":    "{",
		"leader/updater/abc":           "{",
		"status/unknown-future-key":    "{",
	}
	return kvs, want
}

var snapshotOpts = cmp.Options{
	cmpopts.IgnoreFields(model.Snapshot{}, "Revision", "Invalid"),
	cmpopts.IgnoreFields(model.WorkerStatus{}, "Revision"), // TestSnapshotRoundTrip
	cmpopts.EquateEmpty(),
}

func TestSnapshotRoundTrip(t *testing.T) {
	s, c := newStorage(t)
	kvs, want := baseline(t)
	rev := putRaw(t, s, c, kvs)
	got, err := s.Snapshot(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got, snapshotOpts); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	if got.Revision != rev {
		t.Errorf("revision %d, want %d", got.Revision, rev)
	}
	if len(got.Invalid) != 0 {
		t.Errorf("invalid: %v", got.Invalid)
	}
	if lrns := got.LRNs(); !slices.Equal(lrns, []int{2, 10}) {
		t.Errorf("LRNs %v, want numeric order [2 10]", lrns)
	}
	// A report carries the revision it was written at, which the value
	// does not hold.
	for _, lrn := range []int{2, 10} {
		resp, err := c.Get(testContext(t), s.WorkerStatusKey(lrn))
		if err != nil || len(resp.Kvs) != 1 {
			t.Fatalf("get report %d: %v", lrn, err)
		}
		if w := got.Workers[lrn]; w.Revision != resp.Kvs[0].ModRevision {
			t.Errorf("report %d: revision %d, want its key's %d", lrn, w.Revision, resp.Kvs[0].ModRevision)
		}
	}
}

func TestSnapshotEmpty(t *testing.T) {
	s, _ := newStorage(t)
	got, err := s.Snapshot(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(model.Snapshot{}, got, snapshotOpts); diff != "" || got.Revision == 0 || got.Invalid != nil {
		t.Errorf("revision %d, invalid %v, (-want +got)\n%s", got.Revision, got.Invalid, diff)
	}
	if got.Bootservers == nil || got.Config == nil || got.Workers == nil || got.Contents == nil {
		t.Error("maps must be allocated so that callers can index them")
	}
}

func TestSnapshotRunningUpdateHasNoFinished(t *testing.T) {
	s, c := newStorage(t)
	kvs, want := baseline(t)
	delete(kvs, "history/00000000000000000007")
	putRaw(t, s, c, kvs)
	got, err := s.Snapshot(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	want.Finished = nil
	if diff := cmp.Diff(want, got, snapshotOpts); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}

// garbage is a bad value at a key, and what it removes from the baseline.
type garbage struct {
	key, value string
	drop       func(*model.Snapshot)
}

func garbageCases() []garbage {
	dropServer := func(s *model.Snapshot) { delete(s.Bootservers, 2) }
	dropWorker := func(s *model.Snapshot) { delete(s.Workers, 2) }
	// Without a current update there is no history entry to read.
	dropCurrent := func(s *model.Snapshot) { s.Current, s.Finished, s.Irreversible = nil, nil, nil }
	dropFinished := func(s *model.Snapshot) { s.Finished = nil }
	dropBarrier := func(s *model.Snapshot) { s.Barrier = nil }
	dropSeen := func(s *model.Snapshot) { s.Seen = nil }
	dropCandidate := func(s *model.Snapshot) { s.Candidate = nil }
	dropCheck := func(s *model.Snapshot) { s.Check = nil }
	dropContent := func(s *model.Snapshot) { delete(s.Contents, "upload-contents") }
	dropHold := func(s *model.Snapshot) { delete(s.Holds, v2.String()) }
	dropPin := func(s *model.Snapshot) { s.Pin = nil }
	nothing := func(*model.Snapshot) {}
	var cases []garbage
	add := func(key string, drop func(*model.Snapshot), values ...string) {
		for _, v := range values {
			cases = append(cases, garbage{key, v, drop})
		}
	}
	common := []string{"{", "null", "[]", `"x"`, "1", `{"id":-1}`, ""}
	add("bootservers/2", dropServer, append(common, `{"lrn":"2"}`, `{"hostname":"no-lrn"}`,
		`{"lrn":3,"hostname":"boot-3"}`, `{"lrn":-2}`, `{"lrn":2,"joined_at":5}`)...)
	add("bootservers/abc", nothing, `{"lrn":0,"hostname":"x"}`)
	add("bootservers/02", nothing, `{"lrn":2,"hostname":"x"}`)
	add("status/bootservers/2", dropWorker, append(common, `{"id":7,"cond":"sleeping"}`,
		`{"id":7,"step":"3","cond":"running"}`, `{"id":7,"step":-1,"cond":"running"}`)...)
	add("status/bootservers/abc", nothing, mustJSON(workerStatus(7, 1)))
	add("status/current", dropCurrent, append(common, `{"id":7,"version":"x","reason":"update"}`,
		`{"id":7,"version":"1.0","reason":"update","servers":[10,2]}`, `{"id":7,"version":"1.0","reason":"why"}`)...)
	add("status/barrier", dropBarrier, append(common, `{"id":7,"step":-1}`, `{"id":"7","step":1}`)...)
	add("status/turns", func(s *model.Snapshot) { s.Turns = nil }, append(common, `{"id":7,"step":3,"done":2,"open":1}`,
		`{"id":7,"step":3,"done":0,"open":1,"soak":{"upto":1,"at":"2026-11-23T00:00:00Z","after":0}}`,
		`{"id":7,"step":3,"done":0,"open":1,"soak":{"upto":2,"after":0}}`)...)
	add("status/bootservers/2", dropWorker, `{"id":7,"step":1,"cond":"running","turn":{"max_unavailable":0}}`,
		`{"id":7,"step":1,"cond":"running","turn":{"max_unavailable":1,"soak":"soon"}}`)
	add("info/release", dropSeen, append(common, `{"version":1,"tag":"t"}`, `{"version":"1.0"}`)...)
	add("info/candidate", dropCandidate, append(common, `{"version":"1.0","tag":"t","approved":"yes"}`)...)
	add("info/check", dropCheck, append(common, `{"error":"x"}`, `{"since":"yesterday"}`)...)
	add("info/gate", func(s *model.Snapshot) { s.Gate = nil }, append(common, `{"firing":["b","a"],"since":"2026-11-23T00:00:00Z"}`)...)
	add("contents/upload-contents", dropContent, append(common, `{"version":"1.0","success":1}`)...)
	add("contents/", nothing, `{"version":"1.0","success":true}`)
	add("policy/holds/"+v2.String(), dropHold, append(common, `{"version":"`+v1.String()+`","at":"2026-11-23T00:00:00Z"}`,
		`{"version":"`+v2.String()+`"}`)...)
	add("policy/holds/not a version", nothing, `{"version":"1.0","at":"2026-11-23T00:00:00Z"}`)
	add("policy/pin", dropPin, append(common, `{"version":"","at":"2026-11-23T00:00:00Z"}`)...)
	add("config/", nothing, "x")
	add("config/a/b", nothing, "x")
	add("history/00000000000000000007", dropFinished, append(common, mustJSON(historyEntry(8, model.ResultCompleted)),
		`{"id":7,"version":"1.0","reason":"update","result":"meh"}`)...)
	return cases
}

func mustJSON[T any](v T) string {
	s, err := encode(v)
	if err != nil {
		panic(err)
	}
	return s
}

func TestSnapshotInvalidKeys(t *testing.T) {
	for _, g := range garbageCases() {
		t.Run(g.key+"="+g.value, func(t *testing.T) {
			s, c := newStorage(t)
			kvs, want := baseline(t)
			kvs[g.key] = g.value
			putRaw(t, s, c, kvs)
			got, err := s.Snapshot(testContext(t))
			if err != nil {
				t.Fatal(err)
			}
			g.drop(&want)
			if diff := cmp.Diff(want, got, snapshotOpts); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
			if keys := invalidKeys(got.Invalid); !slices.Equal(keys, []string{s.Prefix() + g.key}) {
				t.Errorf("invalid %v, want [%s]", got.Invalid, s.Prefix()+g.key)
			}
		})
	}
}

func TestSnapshotGarbageEverywhere(t *testing.T) {
	s, c := newStorage(t)
	kvs, want := baseline(t)
	bad := map[string]bool{}
	for _, g := range garbageCases() {
		kvs[g.key] = g.value
		g.drop(&want)
		bad[s.Prefix()+g.key] = true
	}
	putRaw(t, s, c, kvs)
	got, err := s.Snapshot(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	// status/current is garbage, so history/<id> is not read at all.
	delete(bad, s.HistoryKey(7))
	if diff := cmp.Diff(want, got, snapshotOpts); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	wantKeys := slices.Sorted(maps.Keys(bad))
	if diff := cmp.Diff(wantKeys, slices.Sorted(slices.Values(invalidKeys(got.Invalid)))); diff != "" {
		t.Errorf("invalid keys (-want +got)\n%s", diff)
	}
	for _, k := range got.Invalid {
		if k.Err == nil || k.Error() == "" {
			t.Errorf("%s: no reason", k.Key)
		}
	}
}
