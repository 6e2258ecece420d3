package decide

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/necoship/neco/pkg/model"
)

// promoted records what the updater learned of tag's deployment to env.
func promoted(tag, env string, deployed bool, errMsg string) snapOpt {
	return func(s *model.Snapshot) {
		s.Promotion = &model.Promotion{Tag: tag, Environment: env, Deployed: deployed, Error: errMsg, CheckedAt: now}
	}
}

// TestPromotionGate: with require-deployed a release waits until its
// deployment to that environment succeeded; then approval and the rest
// follow. A reconfigure is not gated.
func TestPromotionGate(t *testing.T) {
	gated := cluster(t, "env", "production", "require-deployed", "staging")
	gatedManual := cluster(t, "env", "production", "require-deployed", "staging-tokyo0", "approval", "manual")
	done := func(opts ...snapOpt) model.Snapshot {
		return snap(append([]snapOpt{registered(1), withCurrent(v9, 1), finished(model.ResultCompleted, "")}, opts...)...)
	}
	start := Action{Kind: ActionStartUpdate, Update: started(8, v10, "release-"+v10, model.ReasonUpdate, now, 1),
		Barrier: &model.Barrier{ID: 8, Step: 0, OpenedAt: now},
		Reason:  "starting update 8: update from 2026.11.23-9 to 2026.11.23-10 on servers 1"}
	waits := func(suffix string) Action {
		return Action{Kind: ActionWaitPromotion,
			Reason: "release 2026.11.23-10 waits for a successful deployment to staging (require-deployed)" + suffix}
	}
	for _, tt := range []struct {
		name string
		in   UpdaterInput
		want Action
	}{
		{"not checked yet", input(gated, release(v10), done()), waits("; not checked yet")},
		{"checked for another release", input(gated, release(v10), done(promoted("release-"+v9, "staging", true, ""))), waits("; not checked yet")},
		{"checked for another environment", input(gated, release(v10), done(promoted("release-"+v10, "staging-osaka0", true, ""))), waits("; not checked yet")},
		{"not deployed there yet", input(gated, release(v10), done(promoted("release-"+v10, "staging", false, ""))), waits("")},
		{"GitHub cannot tell", input(gated, release(v10), done(promoted("release-"+v10, "staging", false, "releases: unauthorized: Bad credentials"))),
			waits("; GitHub cannot tell: releases: unauthorized: Bad credentials")},
		{"deployed: it starts", input(gated, release(v10), done(promoted("release-"+v10, "staging", true, ""))), start},
		{"deployed to the named site: approval comes next", input(gatedManual, release(v10), done(promoted("release-"+v10, "staging-tokyo0", true, ""))),
			Action{Kind: ActionWaitApproval, Candidate: &model.Candidate{Version: model.MustParseVersion(v10), Tag: "release-" + v10, Since: now},
				Reason: "waiting for approval of 2026.11.23-10"}},
		{"no gate", input(cluster(t, "env", "production"), release(v10), done()), start},
		{"a reconfigure is not gated", input(gated, release(v9), snap(registered(1, 2), withCurrent(v9, 1), finished(model.ResultCompleted, ""))),
			Action{Kind: ActionStartUpdate, Update: started(8, v9, "release-"+v9, model.ReasonReconfigure, now, 1, 2),
				Barrier: &model.Barrier{ID: 8, Step: 0, OpenedAt: now},
				Reason:  "starting update 8: reconfigure of 2026.11.23-9 (servers were 1) on servers 1, 2"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, NextAction(tt.in), ignoreFromFields); diff != "" {
				t.Errorf("NextAction (-want +got):\n%s", diff)
			}
		})
	}
}
