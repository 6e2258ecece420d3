package decide

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/necoship/neco/pkg/model"
)

// from makes the current update one that started from version.
func from(version string) snapOpt {
	return func(s *model.Snapshot) {
		s.Current.From, s.Current.FromTag = model.MustParseVersion(version), "release-"+version
	}
}

// irreversibleStarted records that once-step name began for the current
// update's version.
func irreversibleStarted(name string) snapOpt {
	return func(s *model.Snapshot) {
		s.Irreversible = append(s.Irreversible, model.IrreversibleRun{Name: name, Version: s.Current.Version, StartedAt: t0})
	}
}

// TestAutoRollback: with on-failure rollback, a failed update is rolled
// back on the servers it changed to the release before it, the failed
// version held; when that is not safe or possible the site stops and says
// why.
func TestAutoRollback(t *testing.T) {
	auto := cluster(t, "env", "production", "on-failure", "rollback")
	failed := func(opts ...snapOpt) model.Snapshot {
		return snap(append([]snapOpt{registered(1, 2), withCurrent(v10, 1, 2), from(v9), stopped(),
			finished(model.ResultAborted, "worker 1: postinst failed"), worker(1, 0, model.CondAborted)}, opts...)...)
	}
	const stoppedV10 = "stopped: update 7 to 2026.11.23-10 was aborted (worker 1: postinst failed); nothing starts until `neco recover`"
	const why = "update 7 to 2026.11.23-10 was aborted: worker 1: postinst failed"
	request := func(servers ...int) *model.RollbackRequest {
		return &model.RollbackRequest{Version: model.MustParseVersion(v9), Tag: "release-" + v9, From: model.MustParseVersion(v10),
			By: "neco-updater", At: now, Servers: servers, Automatic: why}
	}
	hold := &model.Hold{Version: model.MustParseVersion(v10), Reason: "rolled back automatically: " + why, By: "neco-updater", At: now}
	tests := []struct {
		name string
		in   UpdaterInput
		want Action
	}{
		{name: "rolled back on the servers that changed", in: input(auto, release(v10), failed()),
			want: Action{Kind: ActionRequestRollback, Rollback: request(1), Hold: hold,
				Reason: why + "; rolling servers 1 back to 2026.11.23-9 automatically (on-failure rollback)"}},
		{name: "a timeout too, on every server that reported", in: input(auto, nil, snap(registered(1, 2), withCurrent(v10, 1, 2), from(v9), stopped(),
			finished(model.ResultTimedOut, "no progress for 30m0s from workers 2"), worker(1, 3, model.CondRunning), worker(2, 1, model.CondRunning))),
			want: Action{Kind: ActionRequestRollback,
				Rollback: &model.RollbackRequest{Version: model.MustParseVersion(v9), Tag: "release-" + v9, From: model.MustParseVersion(v10),
					By: "neco-updater", At: now, Servers: []int{1, 2}, Automatic: "update 7 to 2026.11.23-10 timed out: no progress for 30m0s from workers 2"},
				Hold: &model.Hold{Version: model.MustParseVersion(v10), By: "neco-updater", At: now,
					Reason: "rolled back automatically: update 7 to 2026.11.23-10 timed out: no progress for 30m0s from workers 2"},
				Reason: "update 7 to 2026.11.23-10 timed out: no progress for 30m0s from workers 2; rolling servers 1, 2 back to 2026.11.23-9 automatically (on-failure rollback)"}},
		{name: "on-failure stop (the default) stops", in: input(cluster(t, "env", "production"), nil, failed()),
			want: Action{Kind: ActionStopped, Reason: stoppedV10}},
		{name: "never a rollback of a rollback", in: input(auto, nil, failed(asRollback())),
			want: Action{Kind: ActionStopped, Reason: stoppedV10 + "; no automatic rollback: the failed update was itself a rollback"}},
		{name: "nothing to go back to", in: input(auto, nil, failed(func(s *model.Snapshot) { s.Current.From, s.Current.FromTag = model.Version{}, "" })),
			want: Action{Kind: ActionStopped, Reason: stoppedV10 + "; no automatic rollback: no earlier release completed on this site"}},
		{name: "not past an irreversible once-step", in: input(auto, nil, failed(irreversibleStarted("migrate-db"))),
			want: Action{Kind: ActionStopped, Reason: stoppedV10 + "; no automatic rollback: irreversible once-steps started for 2026.11.23-10 (migrate-db (2026.11.23-10)); check by hand, then `neco recover` or `neco rollback --force`"}},
		{name: "no server had started it", in: input(auto, nil, snap(registered(1, 2), withCurrent(v10, 1, 2), from(v9), stopped(),
			finished(model.ResultTimedOut, "x"))),
			want: Action{Kind: ActionStopped, Reason: "stopped: update 7 to 2026.11.23-10 timed out (x); nothing starts until `neco recover`; no automatic rollback: no server had started it"}},
		{name: "the request starts the rollback on its servers", in: input(auto, nil, failed(func(s *model.Snapshot) { s.Rollback = request(1) })),
			want: Action{Kind: ActionStartUpdate,
				Update: &model.Update{ID: 8, Version: model.MustParseVersion(v9), Tag: "release-" + v9, Servers: []int{1},
					Reason: model.ReasonRollback, StartedAt: now, From: model.MustParseVersion(v9), FromTag: "release-" + v9, Others: []int{2},
					Acts: []model.OperatorAct{{Act: model.ActRollback, By: "neco-updater", At: now,
						Detail: "from 2026.11.23-10; automatic (on-failure rollback): " + why}}},
				Barrier: &model.Barrier{ID: 8, OpenedAt: now},
				Reason:  "starting update 8: automatic rollback from 2026.11.23-10 to 2026.11.23-9 (" + why + ") on servers 1"}},
		{name: "after it, the servers it left out need no reconfigure", in: input(auto, release(v10), snap(registered(1, 2),
			withCurrent(v9, 1), asRollback(), func(s *model.Snapshot) { s.Current.Others = []int{2} },
			finished(model.ResultCompleted, ""), held(v10, "rolled back automatically: "+why))),
			want: Action{Kind: ActionNone, Reason: "latest release 2026.11.23-10 is held: rolled back automatically: " + why + " (neco unhold 2026.11.23-10)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, NextAction(tt.in)); diff != "" {
				t.Errorf("NextAction (-want +got):\n%s", diff)
			}
		})
	}
}

// TestStartRecordsFrom: an update records the release the site ran when it
// started, where an automatic rollback would go.
func TestStartRecordsFrom(t *testing.T) {
	prod := cluster(t, "env", "production")
	for _, tt := range []struct {
		name    string
		in      UpdaterInput
		want    string // "" = none
		wantTag string
	}{
		{"the first update", input(prod, release(v9), snap(registered(1))), "", ""},
		{"after a completed update", input(prod, release(v10), snap(registered(1), withCurrent(v9, 1), finished(model.ResultCompleted, ""))),
			v9, "release-" + v9},
		{"a retry keeps the release before the failure", input(prod, release(v10), snap(registered(1), withCurrent(v10, 1), from(v9),
			finished(model.ResultAborted, "x"))), v9, "release-" + v9},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := NextAction(tt.in)
			if a.Kind != ActionStartUpdate {
				t.Fatalf("%s: %s", a.Kind, a.Reason)
			}
			if a.Update.From.String() != tt.want || a.Update.FromTag != tt.wantTag {
				t.Errorf("from %q %q, want %q %q", a.Update.From, a.Update.FromTag, tt.want, tt.wantTag)
			}
		})
	}
}
