package decide

import (
	"encoding/binary"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/necoship/neco/pkg/config"
	"github.com/necoship/neco/pkg/model"
)

// Seeds live in testdata/fuzz/FuzzNextAction/ so that plain `go test`
// replays them; fuzzInput documents the byte layout they follow.

func FuzzNextAction(f *testing.F) {
	configs := fuzzConfigs(f)
	kinds := []ActionKind{ActionNone, ActionStartUpdate, ActionAdvanceBarrier, ActionFinish, ActionAbort,
		ActionTimeout, ActionWaitApproval, ActionWaitWindow, ActionStopped, ActionRequestRollback, ActionWaitAge, ActionWaitGate,
		ActionWindowPause, ActionWindowResume, ActionWaitPromotion, ActionOpenTurns}
	f.Fuzz(func(t *testing.T, data []byte) {
		in := fuzzInput(data, configs)
		pristine := fuzzInput(data, configs)
		got := NextAction(in)

		if !slices.Contains(kinds, got.Kind) || got.Reason == "" {
			t.Fatalf("kind %q, reason %q", got.Kind, got.Reason)
		}
		if got.Kind == ActionStartUpdate {
			checkStart(t, in.Snapshot, got)
		}
		if got.Kind == ActionWindowPause || got.Kind == ActionWindowResume {
			checkWindowAct(t, in.Snapshot, got)
		}
		if got.Kind == ActionOpenTurns {
			checkOpenTurns(t, in, got)
		}
		if got.Kind == ActionRequestRollback && (got.Rollback == nil || got.Hold == nil ||
			got.Rollback.Validate() != nil || !got.Hold.Version.Equal(got.Rollback.From)) {
			t.Fatalf("request-rollback %+v %+v", got.Rollback, got.Hold)
		}
		// Purity: the decision neither changed its input nor handed back
		// slices the caller could change it through.
		for _, servers := range [][]int{updateServers(got.Update), historyServers(got.History), updateCanaries(got.Update), requestServers(got.Rollback)} {
			for i := range servers {
				servers[i] = -1
			}
		}
		if got.Update != nil {
			for i := range got.Update.Acts {
				got.Update.Acts[i].By = "changed"
			}
			for i := range got.Update.Others {
				got.Update.Others[i] = -1
			}
		}
		if diff := cmp.Diff(pristine.Snapshot, in.Snapshot); diff != "" {
			t.Fatalf("snapshot changed (-before +after):\n%s", diff)
		}
	})
}

// checkWindowAct: the window pauses or resumes the running update, and
// changes nothing else of it.
func checkWindowAct(t *testing.T, s model.Snapshot, a Action) {
	t.Helper()
	if a.Update == nil || s.Current == nil {
		t.Fatalf("%s without an update: %+v", a.Kind, a)
	}
	want := cloneUpdate(*s.Current)
	want.Paused = a.Kind == ActionWindowPause
	want.Acts = append(want.Acts, model.OperatorAct{Act: model.ActResume, By: model.ByReleaseWindow, At: a.Update.Acts[len(a.Update.Acts)-1].At, Detail: "a release window opened"})
	if want.Paused {
		want.Acts[len(want.Acts)-1].Act, want.Acts[len(want.Acts)-1].Detail = model.ActPause, a.Update.Acts[len(a.Update.Acts)-1].Detail
	}
	if diff := cmp.Diff(want, *a.Update); diff != "" || s.Current.Stop || s.Finished != nil {
		t.Fatalf("%s of %+v (-want +got):\n%s", a.Kind, *s.Current, diff)
	}
}

func checkStart(t *testing.T, s model.Snapshot, a Action) {
	t.Helper()
	u := a.Update
	switch {
	case u == nil || a.Barrier == nil:
		t.Fatalf("start-update without update or barrier: %+v", a)
	case s.Current != nil && u.ID <= s.Current.ID:
		t.Fatalf("new update id %d not after current %d", u.ID, s.Current.ID)
	case a.Barrier.ID != u.ID || a.Barrier.Step != 0:
		t.Fatalf("barrier %+v for update %d", *a.Barrier, u.ID)
	case len(u.Servers) == 0:
		t.Fatalf("update without servers: %+v", u)
	case a.Barrier.Canary != (len(u.Canaries) > 0):
		t.Fatalf("barrier %+v for canaries %v", *a.Barrier, u.Canaries)
	case len(u.Canaries) >= len(u.Servers) && len(u.Canaries) > 0:
		t.Fatalf("canaries %v of servers %v: nobody after them", u.Canaries, u.Servers)
	case !slices.Equal(u.Canaries, u.Servers[:len(u.Canaries)]):
		t.Fatalf("canaries %v are not the first of servers %v", u.Canaries, u.Servers)
	}
	for i := 1; i < len(u.Servers); i++ {
		if u.Servers[i-1] >= u.Servers[i] {
			t.Fatalf("servers not sorted and unique: %v", u.Servers)
		}
	}
}

func updateServers(u *model.Update) []int {
	if u == nil {
		return nil
	}
	return u.Servers
}

func requestServers(r *model.RollbackRequest) []int {
	if r == nil {
		return nil
	}
	return r.Servers
}

func updateCanaries(u *model.Update) []int {
	if u == nil {
		return nil
	}
	return u.Canaries
}

func historyServers(h *model.HistoryEntry) []int {
	if h == nil {
		return nil
	}
	return h.Servers
}

// fuzzConfigs are the configs a fuzz input picks from, the zero Cluster
// included: a caller that forgot to parse must not crash the updater.
func fuzzConfigs(f *testing.F) []config.Cluster {
	kvs := [][]string{
		{},
		{"env", "production"},
		{"env", "production", "worker-timeout", "1m"},
		{"env", "staging", "approval", "manual"},
		{"env", "dev", "release-time", "* 3 * * 1-5;30 1 1 * *", "release-timezone", "Asia/Tokyo"},
		{"env", "production", "canary", "1", "canary-soak", "10m"},
		{"env", "staging", "canary", "3"},
		{"env", "production", "on-failure", "rollback"},
		{"env", "production", "release-time", "* 2 * * *", "release-window-scope", "whole"},
		{"env", "production", "require-deployed", "staging", "approval", "manual"},
	}
	out := []config.Cluster{{}}
	for _, kv := range kvs {
		values := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			values[kv[i]] = kv[i+1]
		}
		c, _, err := config.ParseCluster(values)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

// fuzzBytes hands out the fuzzer's bytes one field at a time. Once they run
// out every field reads as zero, so that a short input is still a whole
// snapshot.
type fuzzBytes []byte

func (b *fuzzBytes) next() byte {
	if len(*b) == 0 {
		return 0
	}
	c := (*b)[0]
	*b = (*b)[1:]
	return c
}

func (b *fuzzBytes) pick(n int) int { return int(b.next()) % n }

func (b *fuzzBytes) int64() int64 {
	var buf [8]byte
	for i := range buf {
		buf[i] = b.next()
	}
	return int64(binary.BigEndian.Uint64(buf[:]))
}

// minutes is a time within about two hours of a fixed base.
func (b *fuzzBytes) minutes() time.Time {
	return time.Date(2026, 11, 24, 2, 0, 0, 0, time.UTC).Add(time.Duration(int8(b.next())) * time.Minute)
}

// lrnSet reads a bitmask over a few LRNs, 10 and 2 among them: etcd lists
// "10" before "2".
func (b *fuzzBytes) lrnSet() []int {
	all := [...]int{0, 1, 2, 3, 9, 10, 11, 100}
	mask := b.next()
	var out []int
	for i, l := range all {
		if mask&(1<<i) != 0 {
			out = append(out, l)
		}
	}
	return out
}

// Flags of the third byte.
const (
	fuzzHasCurrent = 1 << iota
	fuzzStop
	fuzzHasFinished
	fuzzHasBarrier
	fuzzHasCandidate
	fuzzApproved
	fuzzHasLatest
	fuzzUnsortedServers
)

// fuzzInput decodes, one byte each unless said: config index, registered
// LRN mask, flags, current ID (8 bytes, big-endian), current version,
// current server mask, current start time, finished result, barrier ID
// delta and step, worker mask and, for each worker in the mask, its ID
// delta, step, cond and update time; then the candidate version, the latest
// version and now. Every field is read whether or not its flag is set, so
// that flipping a flag does not shift the rest.
func fuzzInput(data []byte, configs []config.Cluster) UpdaterInput {
	b := fuzzBytes(data)
	versions := []string{"1.0", "1.0-0", "2026.11.23-9", "2026.11.23-10", "2026.11.23-10~rc1"}
	version := func() model.Version { return model.MustParseVersion(versions[b.pick(len(versions))]) }
	in := UpdaterInput{Config: configs[b.pick(len(configs))]}
	s := model.Snapshot{Bootservers: map[int]model.Bootserver{}, Workers: map[int]model.WorkerStatus{}}
	for _, l := range b.lrnSet() {
		s.Bootservers[l] = model.Bootserver{LRN: l}
	}
	flags := b.next()
	cur := model.Update{ID: b.int64(), Version: version(), Reason: model.ReasonUpdate, Stop: flags&fuzzStop != 0}
	cur.Servers = b.lrnSet()
	if flags&fuzzUnsortedServers != 0 && len(cur.Servers) > 0 {
		slices.Reverse(cur.Servers)
		cur.Servers = append(cur.Servers, cur.Servers[0])
	}
	cur.StartedAt = b.minutes()
	if flags&fuzzHasCurrent != 0 {
		s.Current = &cur
	}
	results := []model.Result{model.ResultCompleted, model.ResultAborted, model.ResultTimedOut, ""}
	if r := results[b.pick(len(results))]; flags&fuzzHasFinished != 0 {
		s.Finished = &model.HistoryEntry{ID: cur.ID, Version: cur.Version, Result: r}
	}
	barrier := model.Barrier{ID: cur.ID + int64(b.pick(3)) - 1, Step: int(int8(b.next()))}
	if flags&fuzzHasBarrier != 0 {
		s.Barrier = &barrier
	}
	conds := []model.Cond{model.CondRunning, model.CondCompleted, model.CondAborted, model.CondTimedOut, ""}
	for _, l := range b.lrnSet() {
		s.Workers[l] = model.WorkerStatus{ID: cur.ID + int64(b.pick(3)) - 1, Step: int(int8(b.next())),
			Cond: conds[b.pick(len(conds))], UpdatedAt: b.minutes()}
	}
	if v := version(); flags&fuzzHasCandidate != 0 {
		s.Candidate = &model.Candidate{Version: v, Tag: "release-" + v.String(), Approved: flags&fuzzApproved != 0}
	}
	if v := version(); flags&fuzzHasLatest != 0 {
		in.Latest = &model.Release{Tag: "release-" + v.String(), Prefix: "release", Version: v}
	}
	in.Now = b.minutes()
	// Read last, so that the seeds written before the canary phase keep
	// their meaning: canaries (a mask over the current servers), whether
	// the barrier is of the canary phase, and which reports say canaried.
	canaries, canaried, phase := b.next(), b.next(), b.next()
	for i, l := range cur.Servers {
		if canaries&(1<<(i%8)) != 0 && !slices.Contains(cur.Canaries, l) {
			cur.Canaries = append(cur.Canaries, l)
		}
	}
	barrier.Canary = phase&1 != 0
	// Then where the update started from, and whether an irreversible
	// once-step of its version began (the automatic rollback's inputs).
	if fv := version(); phase&2 != 0 {
		cur.From, cur.FromTag = fv, "release-"+fv.String()
	}
	if phase&4 != 0 {
		s.Irreversible = []model.IrreversibleRun{{Name: "migrate", Version: cur.Version}}
	}
	// Then who paused the update: neco-updater for the window, an
	// operator, or both in turn.
	if phase&8 != 0 {
		cur.Paused = true
		cur.Acts = append(cur.Acts, model.OperatorAct{Act: model.ActPause, By: model.ByReleaseWindow, At: cur.StartedAt})
	}
	if phase&16 != 0 {
		cur.Paused = true
		cur.Acts = append(cur.Acts, model.OperatorAct{Act: model.ActPause, By: "bob@boot-1", At: cur.StartedAt})
	}
	// Then what the updater learned of the latest release's deployment to
	// staging (require-deployed).
	if pv := version(); phase&32 != 0 {
		s.Promotion = &model.Promotion{Tag: "release-" + pv.String(), Environment: "staging", Deployed: phase&64 != 0}
	}
	for l, w := range s.Workers {
		if canaried&(1<<(l%8)) != 0 {
			w.Canaried = true
			s.Workers[l] = w
		}
	}
	fuzzTurns(&b, &s, barrier)
	in.Snapshot = s
	return in
}

// fuzzTurns reads the rolling turns' inputs: the step's parameters that
// the reports running at the barrier's step carry (as waiting reports
// do), and a stored turns record of that barrier.
func fuzzTurns(b *fuzzBytes, s *model.Snapshot, barrier model.Barrier) {
	turn, stored := b.next(), b.next()
	if turn&1 != 0 {
		rt := model.RollingTurn{MaxUnavailable: 1 + int(turn>>1)%3, Soak: model.Duration(time.Duration(turn>>3%3) * 2 * time.Minute)}
		for l, w := range s.Workers {
			if w.Step == barrier.Step && w.Cond == model.CondRunning {
				w.Turn = &rt
				s.Workers[l] = w
			}
		}
	}
	if stored&1 != 0 {
		done := int(stored>>1) % 4
		s.Turns = &model.Turns{ID: barrier.ID, Step: barrier.Step, Canary: barrier.Canary, Done: done, Open: done + int(stored>>3)%4}
	}
}
