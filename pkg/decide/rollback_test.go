package decide

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/necoship/neco/pkg/model"
)

const (
	v8  = "2026.11.23-8"
	v11 = "2026.11.23-11"
)

// done is history entry id: an update to version that ended with r.
func done(id int64, version string, r model.Result) model.HistoryEntry {
	return model.HistoryEntry{ID: id, Version: model.MustParseVersion(version), Tag: "release-" + version + "-tag",
		Reason: model.ReasonUpdate, Result: r, Servers: []int{1}, StartedAt: t0, FinishedAt: t0}
}

func ran(name, version string) model.IrreversibleRun {
	return model.IrreversibleRun{Name: name, Version: model.MustParseVersion(version), StartedAt: t0}
}

func rollbackIn(s model.Snapshot, target string, opts ...func(*RollbackInput)) RollbackInput {
	in := RollbackInput{
		Snapshot: s,
		History: []model.HistoryEntry{
			done(4, v8, model.ResultCompleted), done(5, v9, model.ResultCompleted),
			done(6, v9, model.ResultCompleted), done(7, v10, model.ResultCompleted),
		},
		Target: model.MustParseVersion(target),
		By:     "alice@boot-0",
		Now:    now,
	}
	for _, o := range opts {
		o(&in)
	}
	return in
}

func forced(in *RollbackInput) { in.Force = true }

func withRuns(runs ...model.IrreversibleRun) func(*RollbackInput) {
	return func(in *RollbackInput) { in.Irreversible = runs }
}

func withHistory(h ...model.HistoryEntry) func(*RollbackInput) {
	return func(in *RollbackInput) { in.History = h }
}

func request(version, from string, force bool) model.RollbackRequest {
	return model.RollbackRequest{Version: model.MustParseVersion(version), Tag: "release-" + version + "-tag",
		From: model.MustParseVersion(from), Force: force, By: "alice@boot-0", At: now}
}

func forcedPast(r model.RollbackRequest, runs ...model.IrreversibleRun) model.RollbackRequest {
	r.Forced = runs
	return r
}

func holdsOf(target string, versions ...string) []model.Hold {
	var out []model.Hold
	for _, v := range versions {
		out = append(out, model.Hold{Version: model.MustParseVersion(v), Reason: "rolled back to " + target, By: "alice@boot-0", At: now})
	}
	return out
}

func TestPlanRollback(t *testing.T) {
	endedAt10 := snap(registered(1), withCurrent(v10, 1), finished(model.ResultCompleted, ""))
	tests := []struct {
		name    string
		in      RollbackInput
		want    RollbackPlan
		wantErr string
	}{
		{name: "back one version: holds the version left, tag from history",
			in:   rollbackIn(endedAt10, v9),
			want: RollbackPlan{Request: request(v9, v10, false), Holds: holdsOf(v9, v10)}},
		{name: "back two versions holds every version in between",
			in:   rollbackIn(endedAt10, v8),
			want: RollbackPlan{Request: request(v8, v10, false), Holds: holdsOf(v8, v9, v10)}},
		{name: "a version already held keeps the operator's hold",
			in:   rollbackIn(snap(registered(1), withCurrent(v10, 1), finished(model.ResultCompleted, ""), held(v9, "bad")), v8),
			want: RollbackPlan{Request: request(v8, v10, false), Holds: holdsOf(v8, v10)}},
		{name: "from an aborted update: the version left is held though it never completed",
			in: rollbackIn(snap(registered(1), withCurrent(v11, 1), stopped(), finished(model.ResultAborted, "x")), v10,
				withHistory(done(6, v10, model.ResultCompleted), done(7, v11, model.ResultAborted))),
			want: RollbackPlan{Request: request(v10, v11, false), Holds: holdsOf(v10, v11)}},
		{name: "the tag is the newest completed update's",
			in: rollbackIn(endedAt10, v9, withHistory(done(2, v9, model.ResultCompleted),
				func() model.HistoryEntry { h := done(3, v9, model.ResultCompleted); h.Tag = "hotfix-" + v9; return h }(),
				done(5, v9, model.ResultAborted))),
			want: RollbackPlan{Request: model.RollbackRequest{Version: model.MustParseVersion(v9), Tag: "hotfix-" + v9,
				From: model.MustParseVersion(v10), By: "alice@boot-0", At: now}, Holds: holdsOf(v9, v10)}},
		{name: "irreversible runs at or before the target do not block",
			in:   rollbackIn(endedAt10, v9, withRuns(ran("migrate", v9), ran("migrate", v8))),
			want: RollbackPlan{Request: request(v9, v10, false), Holds: holdsOf(v9, v10)}},
		{name: "an irreversible run after the target refuses, sorted by version then name",
			in:      rollbackIn(endedAt10, v8, withRuns(ran("upload", v10), ran("migrate", v10), ran("schema", v9), ran("old", v8))),
			wantErr: "rolling back to 2026.11.23-8 would not undo irreversible once-steps: schema (2026.11.23-9), migrate (2026.11.23-10), upload (2026.11.23-10)"},
		{name: "a run past the current version counts (left by an earlier forced rollback)",
			in:      rollbackIn(snap(registered(1), withCurrent(v9, 1), asRollback(), finished(model.ResultCompleted, "")), v8, withRuns(ran("migrate", v11))),
			wantErr: "rolling back to 2026.11.23-8 would not undo irreversible once-steps: migrate (2026.11.23-11)"},
		{name: "--force goes past irreversible runs and lists them",
			in:   rollbackIn(endedAt10, v9, forced, withRuns(ran("migrate", v10))),
			want: RollbackPlan{Request: forcedPast(request(v9, v10, true), ran("migrate", v10)), Holds: holdsOf(v9, v10)}},
		{name: "nothing ran yet",
			in:      rollbackIn(snap(registered(1)), v9),
			wantErr: "rollback refused: no update has run on this site; there is nothing to roll back from"},
		{name: "a running update must end first",
			in:      rollbackIn(snap(registered(1), withCurrent(v10, 1)), v9),
			wantErr: "rollback refused: update 7 to 2026.11.23-10 is running; abort it first (neco update abort) or let it end"},
		{name: "a stop not yet recorded must be recorded first",
			in:      rollbackIn(snap(registered(1), withCurrent(v10, 1), stopped()), v9),
			wantErr: "rollback refused: update 7 to 2026.11.23-10 is stopping; roll back once neco status shows it ended"},
		{name: "one request at a time",
			in:      rollbackIn(snap(registered(1), withCurrent(v10, 1), finished(model.ResultCompleted, ""), rollbackRequested(v8, v10)), v9),
			wantErr: "rollback refused: a rollback to 2026.11.23-8 is already requested by alice@boot-0; the updater leader starts it when it runs"},
		{name: "the running version is not older",
			in:      rollbackIn(endedAt10, v10),
			wantErr: "rollback refused: 2026.11.23-10 is not older than 2026.11.23-10, the version of update 7"},
		{name: "a newer version is not a rollback",
			in:      rollbackIn(endedAt10, v11),
			wantErr: "rollback refused: 2026.11.23-11 is not older than 2026.11.23-10, the version of update 7"},
		{name: "a version that never completed here",
			in:      rollbackIn(endedAt10, v9, withHistory(done(6, v9, model.ResultAborted), done(7, v10, model.ResultCompleted))),
			wantErr: "rollback refused: 2026.11.23-9 never completed on this site (see neco history); a rollback returns only to a version that ran"},
		{name: "pinned to another version",
			in:      rollbackIn(snap(registered(1), withCurrent(v10, 1), finished(model.ResultCompleted, ""), pinned(v10, "")), v9),
			wantErr: "rollback refused: the site is pinned to 2026.11.23-10; neco unpin first"},
		{name: "pinned to the target",
			in:   rollbackIn(snap(registered(1), withCurrent(v10, 1), finished(model.ResultCompleted, ""), pinned(v9, "")), v9),
			want: RollbackPlan{Request: request(v9, v10, false), Holds: holdsOf(v9, v10)}},
		{name: "a held target",
			in:      rollbackIn(snap(registered(1), withCurrent(v10, 1), finished(model.ResultCompleted, ""), held(v9, "")), v9),
			wantErr: "rollback refused: 2026.11.23-9 is held; neco unhold 2026.11.23-9 first"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := PlanRollback(tt.in)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("PlanRollback error = %v, want %q", err, tt.wantErr)
				}
				var irr *IrreversibleError
				if !errors.Is(err, ErrRollbackRefused) && !errors.As(err, &irr) {
					t.Errorf("error %v is neither ErrRollbackRefused nor *IrreversibleError", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("PlanRollback: %v", err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("PlanRollback mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
