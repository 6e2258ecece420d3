package cli

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/necoship/neco/pkg/model"
)

// siteAtNewer seeds a site that completed fixVersion (update 11) and then
// fixNewer (update 12), with result r for update 12.
func siteAtNewer(r model.Result) func(s *seeder) {
	return func(s *seeder) {
		s.bootservers(0, 1)
		s.json("history/00000000000000000011", model.HistoryEntry{ID: 11, Version: fixVersion, Tag: "release-2026.11.23-1",
			Reason: model.ReasonUpdate, Result: model.ResultCompleted, Servers: []int{0, 1},
			StartedAt: fixStarted.Add(-48 * time.Hour), FinishedAt: fixStarted.Add(-47 * time.Hour)})
		u := model.Update{ID: 12, Version: fixNewer, Tag: "release-2026.11.24-1", Servers: []int{0, 1},
			Stop: r != model.ResultCompleted, Reason: model.ReasonUpdate, StartedAt: fixStarted}
		s.json("status/current", u)
		s.json("history/00000000000000000012", model.HistoryEntry{ID: 12, Version: fixNewer, Tag: u.Tag,
			Reason: u.Reason, Result: r, Servers: u.Servers, StartedAt: fixStarted, FinishedAt: fixStarted.Add(time.Minute)})
	}
}

func migrated(name string, v model.Version) func(s *seeder) {
	return func(s *seeder) {
		s.json("irreversible/"+v.String()+"/"+name, model.IrreversibleRun{Name: name, Version: v, StartedAt: fixStarted})
	}
}

func both(fs ...func(s *seeder)) func(s *seeder) {
	return func(s *seeder) {
		for _, f := range fs {
			f(s)
		}
	}
}

// wantRequested checks request/rollback and the hold of fixNewer.
func wantRequested(force bool) func(t *testing.T, s *seeder) {
	return func(t *testing.T, s *seeder) {
		var req model.RollbackRequest
		s.decode("request/rollback", &req)
		want := model.RollbackRequest{Version: fixVersion, Tag: "release-2026.11.23-1", From: fixNewer, Force: force,
			By: "alice@boot-test", At: testNow}
		if force { // the rows with --force go past migrate-db
			want.Forced = []model.IrreversibleRun{{Name: "migrate-db", Version: fixNewer, StartedAt: fixStarted}}
		}
		if diff := cmp.Diff(want, req); diff != "" {
			t.Errorf("request/rollback (-want +got):\n%s", diff)
		}
		var h model.Hold
		s.decode("policy/holds/2026.11.24-1", &h)
		wantHold := model.Hold{Version: fixNewer, Reason: "rolled back to 2026.11.23-1", By: "alice@boot-test", At: testNow}
		if diff := cmp.Diff(wantHold, h); diff != "" {
			t.Errorf("hold (-want +got):\n%s", diff)
		}
	}
}

func wantNoRequest(t *testing.T, s *seeder) {
	if raw, ok := s.get("request/rollback"); ok {
		t.Errorf("request/rollback written: %s", raw)
	}
	if raw, ok := s.get("policy/holds/2026.11.24-1"); ok {
		t.Errorf("hold written: %s", raw)
	}
}

func TestRollback(t *testing.T) {
	requested := "rollback from 2026.11.24-1 to 2026.11.23-1 requested; the updater leader starts it (neco status --watch)\n" +
		"held 2026.11.24-1: not taken again by itself (neco unhold 2026.11.24-1)\n"
	for _, tt := range []commandCase{
		{name: "after a completed update", setup: siteAtNewer(model.ResultCompleted),
			args: []string{"rollback", "2026.11.23-1"}, wantOut: requested, check: wantRequested(false)},
		{name: "out of an aborted update, no recover needed", setup: siteAtNewer(model.ResultAborted),
			args: []string{"rollback", "2026.11.23-1"}, wantOut: requested, check: wantRequested(false)},
		{name: "an irreversible step after the target refuses",
			setup: both(siteAtNewer(model.ResultCompleted), migrated("migrate-db", fixNewer), migrated("old", fixVersion)),
			args:  []string{"rollback", "2026.11.23-1"},
			wantErr: "neco: rolling back to 2026.11.23-1 would not undo irreversible once-steps: migrate-db (2026.11.24-1); " +
				"roll back anyway with --force\n",
			check: wantNoRequest},
		{name: "--force goes past it and says so",
			setup:   both(siteAtNewer(model.ResultCompleted), migrated("migrate-db", fixNewer)),
			args:    []string{"rollback", "2026.11.23-1", "--force"},
			wantOut: requested + "forced past irreversible once-steps, not undone: migrate-db (2026.11.24-1)\n",
			check:   wantRequested(true)},
		{name: "an undecodable irreversible record refuses",
			setup: func(s *seeder) { siteAtNewer(model.ResultCompleted)(s); s.raw("irreversible/2026.11.24-1/x", "{") },
			args:  []string{"rollback", "2026.11.23-1"},
			wantErr: "neco: rollback: irreversible records do not decode: {prefix}irreversible/2026.11.24-1/x: " +
				"decode: unexpected end of JSON input (fix them, or --force)\n",
			check: wantNoRequest},
		{name: "a running update must end first",
			setup:   func(s *seeder) { s.bootservers(0, 1, 2, 10); s.current(false) },
			args:    []string{"rollback", "2026.11.22-1"},
			wantErr: "neco: rollback refused: update 12 to 2026.11.23-1 is running; abort it first (neco update abort) or let it end\n",
			check:   wantNoRequest},
		{name: "only to a version that completed here", setup: siteAtNewer(model.ResultCompleted),
			args:    []string{"rollback", "2026.11.22-1"},
			wantErr: "neco: rollback refused: 2026.11.22-1 never completed on this site (see neco history); a rollback returns only to a version that ran\n",
			check:   wantNoRequest},
		{name: "not a version", setup: siteAtNewer(model.ResultCompleted),
			args:    []string{"rollback", "latest!"},
			wantErr: "neco: model: invalid version \"latest!\": must start with a digit\n",
			check:   wantNoRequest},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.env = map[string]string{"USER": "alice"}
			tt.run(t)
		})
	}
}
