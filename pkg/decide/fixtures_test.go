package decide

import (
	"testing"
	"time"

	"github.com/necoship/neco/pkg/config"
	"github.com/necoship/neco/pkg/model"
)

// Fixtures for the updater's table test. A snapshot is built from options,
// so that each row spells only what matters to it.

const (
	// curID is the ID of the fixture's current update.
	curID = int64(7)
	// v9 < v10 by Debian ordering, though not as strings.
	v9  = "2026.11.23-9"
	v10 = "2026.11.23-10"
)

var (
	// t0 is when the current update started; now is ten minutes later.
	t0  = time.Date(2026, 11, 24, 2, 0, 0, 0, time.UTC)
	now = t0.Add(10 * time.Minute)
)

type snapOpt func(*model.Snapshot)

func snap(opts ...snapOpt) model.Snapshot {
	s := model.Snapshot{
		Revision:    100,
		Bootservers: map[int]model.Bootserver{},
		Workers:     map[int]model.WorkerStatus{},
	}
	for _, o := range opts {
		o(&s)
	}
	return s
}

func registered(lrns ...int) snapOpt {
	return func(s *model.Snapshot) {
		for _, l := range lrns {
			s.Bootservers[l] = model.Bootserver{LRN: l, JoinedAt: t0.Add(-24 * time.Hour)}
		}
	}
}

// current is the fixture update: ID curID, started at t0.
func current(version string, servers ...int) model.Update {
	return model.Update{
		ID:        curID,
		Version:   model.MustParseVersion(version),
		Tag:       "release-" + version,
		Servers:   servers,
		Reason:    model.ReasonUpdate,
		StartedAt: t0,
	}
}

func withCurrent(version string, servers ...int) snapOpt {
	return func(s *model.Snapshot) {
		u := current(version, servers...)
		s.Current = &u
	}
}

func stopped() snapOpt {
	return func(s *model.Snapshot) { s.Current.Stop = true }
}

// finished records the current update's history entry; apply it after
// withCurrent.
func finished(r model.Result, msg string) snapOpt {
	return func(s *model.Snapshot) {
		h := history(*s.Current, r, msg)
		h.FinishedAt = t0.Add(5 * time.Minute)
		s.Finished = h
	}
}

func withBarrier(id int64, step int) snapOpt {
	return func(s *model.Snapshot) { s.Barrier = &model.Barrier{ID: id, Step: step} }
}

// canaryBarrier is a barrier of the canary phase.
func canaryBarrier(id int64, step int) snapOpt {
	return func(s *model.Snapshot) { s.Barrier = &model.Barrier{ID: id, Step: step, Canary: true} }
}

// withCanaries makes lrns the current update's canaries; apply it after
// withCurrent.
func withCanaries(lrns ...int) snapOpt {
	return func(s *model.Snapshot) { s.Current.Canaries = lrns }
}

// openedAt sets when the barrier was opened; call after withBarrier.
func openedAt(t time.Time) snapOpt {
	return func(s *model.Snapshot) { s.Barrier.OpenedAt = t }
}

// withCandidate records version as waiting since t0; approved by alice at
// t0+5m when approved.
func withCandidate(version string, approved bool) snapOpt {
	return func(s *model.Snapshot) {
		c := &model.Candidate{Version: model.MustParseVersion(version), Tag: "release-" + version, Since: t0}
		if approved {
			c.Approved, c.ApprovedBy, c.ApprovedAt = true, "alice@boot-0", t0.Add(5*time.Minute)
		}
		s.Candidate = c
	}
}

// approvedAct is the approve act of withCandidate's approval.
var approvedAct = model.OperatorAct{Act: model.ActApprove, By: "alice@boot-0", At: t0.Add(5 * time.Minute),
	Detail: "waiting since 2026-11-24 02:00 UTC"}

// held holds version (neco hold, or a rollback) with reason.
func held(version, reason string) snapOpt {
	return func(s *model.Snapshot) {
		if s.Holds == nil {
			s.Holds = map[string]model.Hold{}
		}
		v := model.MustParseVersion(version)
		s.Holds[v.String()] = model.Hold{Version: v, Reason: reason, By: "ops", At: t0}
	}
}

// pinned pins the site to version.
func pinned(version, reason string) snapOpt {
	return func(s *model.Snapshot) {
		s.Pin = &model.Hold{Version: model.MustParseVersion(version), Reason: reason, By: "ops", At: t0}
	}
}

// rollbackRequested records `neco rollback version` made while the site
// was at from.
func rollbackRequested(version, from string) snapOpt {
	return func(s *model.Snapshot) {
		s.Rollback = &model.RollbackRequest{Version: model.MustParseVersion(version), Tag: "release-" + version,
			From: model.MustParseVersion(from), By: "alice@boot-0", At: t0}
	}
}

// asRollback makes the current update a rollback; apply it before finished.
func asRollback() snapOpt {
	return func(s *model.Snapshot) { s.Current.Reason = model.ReasonRollback }
}

type workerOpt func(*model.WorkerStatus)

// worker is lrn's report for the current update, made a minute ago.
func worker(lrn, step int, cond model.Cond, opts ...workerOpt) snapOpt {
	return func(s *model.Snapshot) {
		w := model.WorkerStatus{ID: curID, Step: step, Cond: cond, UpdatedAt: now.Add(-time.Minute)}
		for _, o := range opts {
			o(&w)
		}
		s.Workers[lrn] = w
	}
}

func forUpdate(id int64) workerOpt     { return func(w *model.WorkerStatus) { w.ID = id } }
func hasCanaried() workerOpt           { return func(w *model.WorkerStatus) { w.Canaried = true } }
func reportedAt(t time.Time) workerOpt { return func(w *model.WorkerStatus) { w.UpdatedAt = t } }
func saying(msg string) workerOpt      { return func(w *model.WorkerStatus) { w.Message = msg } }

func release(version string) *model.Release {
	return &model.Release{Tag: "release-" + version, Prefix: "release", Version: model.MustParseVersion(version)}
}

// sourceSkew says the source that listed r had a clock d ahead of ours.
func sourceSkew(r *model.Release, d time.Duration) *model.Release {
	r.SourceSkew = d
	return r
}

// publishedAgo sets when r was published, d before now.
func publishedAgo(r *model.Release, d time.Duration) *model.Release {
	r.PublishedAt = now.Add(-d)
	return r
}

// cluster parses config keys given as name, value pairs.
func cluster(t *testing.T, kv ...string) config.Cluster {
	t.Helper()
	values := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		values[kv[i]] = kv[i+1]
	}
	c, unknown, err := config.ParseCluster(values)
	if err != nil || len(unknown) > 0 {
		t.Fatalf("config %v: %v (unknown %v)", values, err, unknown)
	}
	return c
}

func input(c config.Cluster, latest *model.Release, s model.Snapshot) UpdaterInput {
	return UpdaterInput{Snapshot: s, Config: c, Latest: latest, Now: now}
}

// seen sets when the updater saw each server's report (SeenAt).
func seen(in UpdaterInput, at map[int]time.Time) UpdaterInput {
	in.SeenAt = at
	return in
}

func at(in UpdaterInput, t time.Time) UpdaterInput {
	in.Now = t
	return in
}

// Expected values.

func ended(u model.Update) *model.Update {
	u.Stop = true
	return &u
}

func history(u model.Update, r model.Result, msg string) *model.HistoryEntry {
	return &model.HistoryEntry{ID: u.ID, Version: u.Version, Tag: u.Tag, Reason: u.Reason, Result: r,
		Servers: u.Servers, StartedAt: u.StartedAt, FinishedAt: now, Message: msg}
}

func started(id int64, version, tag string, r model.Reason, startedAt time.Time, servers ...int) *model.Update {
	return &model.Update{ID: id, Version: model.MustParseVersion(version), Tag: tag, Servers: servers,
		Reason: r, StartedAt: startedAt}
}

// withCanaryLRNs sets u's canaries.
func withCanaryLRNs(u *model.Update, lrns ...int) *model.Update {
	u.Canaries = lrns
	return u
}

// aborted is `neco update abort` by bob.
var aborted = model.OperatorAct{Act: model.ActAbort, By: "bob@boot-1", At: t0.Add(time.Minute)}

func withActs(acts ...model.OperatorAct) snapOpt {
	return func(s *model.Snapshot) { s.Current.Acts = acts }
}

func actsOn(u *model.Update, acts ...model.OperatorAct) *model.Update {
	u.Acts = acts
	return u
}

func historyActs(h *model.HistoryEntry, acts ...model.OperatorAct) *model.HistoryEntry {
	h.Acts = acts
	return h
}

// forcedAct marks u's rollback act as --force.
func forcedAct(u *model.Update) *model.Update {
	u.Acts[0].Force = true
	return u
}

// byRollback is u started from rollbackRequested's request.
func byRollback(u *model.Update, detail string) *model.Update {
	return actsOn(u, model.OperatorAct{Act: model.ActRollback, By: "alice@boot-0", At: t0, Detail: detail})
}
