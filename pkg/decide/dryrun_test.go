package decide

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/necoship/neco/pkg/config"
	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/plan"
)

// Fixtures for the dry run: a plan for v11 with two extra packages (one of
// them neco), two images and one service of each strategy.

const sitePkg = "example-site"

var (
	digestA = "sha256:" + repeat("a")
	digestB = "sha256:" + repeat("b")
)

func repeat(c string) string {
	out := ""
	for range 64 {
		out += c
	}
	return out
}

func planFor(version string) plan.Plan {
	req, err := plan.ParseRequirement(">= 1.2.0")
	if err != nil {
		panic(err)
	}
	return plan.Plan{
		Version: model.MustParseVersion(version),
		Neco:    &req,
		Debs: []plan.Deb{
			{Name: "neco", Repo: "necoship/neco", Tag: "v1.2.0", Asset: "neco_1.2.0_amd64.deb"},
			{Name: "etcdpasswd", Repo: "cybozu-go/etcdpasswd", Tag: "v1.4.1", Asset: "etcdpasswd_1.4.1_amd64.deb"},
			{Name: "tool", Repo: "example/tool", Tag: "v2", Asset: "tool-latest.deb"},
		},
		Images: []plan.Image{
			{Name: "cke", Ref: "registry.example/cke:1.30@" + digestB},
			{Name: "squid", Ref: "registry.example/squid:6@" + digestA},
		},
		Services: []plan.Service{
			{Unit: "sabakan.service", Strategy: plan.StrategyAnytime},
			{Unit: "etcd.service", Strategy: plan.StrategyRolling, MaxUnavailable: 2,
				Soak: plan.Duration{Duration: 5 * time.Minute}},
			{Unit: "cke.service", Strategy: plan.StrategyStopAll},
		},
		Once: []plan.OnceStep{{Name: "migrate", Irreversible: true}},
	}
}

type dryOpt func(*DryRunInput)

func dryIn(c config.Cluster, s model.Snapshot, target string, opts ...dryOpt) DryRunInput {
	in := DryRunInput{Snapshot: s, Config: c, Latest: release(target), Target: *release(target),
		Plan: planFor(target), SitePackage: sitePkg, Now: now,
		History: []model.HistoryEntry{done(5, v9, model.ResultCompleted), done(7, v10, model.ResultCompleted)}}
	for _, o := range opts {
		o(&in)
	}
	return in
}

func latestIs(r *model.Release) dryOpt { return func(in *DryRunInput) { in.Latest = r } }
func ranBefore(runs ...model.IrreversibleRun) dryOpt {
	return func(in *DryRunInput) { in.Irreversible = runs }
}

func TestPlanUpdateBlockers(t *testing.T) {
	auto := cluster(t, "env", "production")
	manual := cluster(t, "env", "production", "approval", "manual")
	windowed := cluster(t, "env", "production", "release-time", "* 9 * * *", "release-timezone", "UTC")
	aged := cluster(t, "env", "production", "min-release-age", "24h")
	at10 := snap(registered(1, 2), withCurrent(v10, 1, 2), finished(model.ResultCompleted, ""))
	running := snap(registered(1, 2), withCurrent(v10, 1, 2))
	tests := []struct {
		name       string
		in         DryRunInput
		wantReason model.Reason
		want       []Blocker
	}{
		{name: "newest release, nothing in the way: the updater starts it",
			in: dryIn(auto, at10, v11), wantReason: model.ReasonUpdate},
		{name: "first update of a new site",
			in: dryIn(auto, snap(registered(1)), v11), wantReason: model.ReasonUpdate},
		{name: "approval manual waits for neco update approve",
			in: dryIn(manual, at10, v11), wantReason: model.ReasonUpdate,
			want: []Blocker{{Kind: "wait-approval", Reason: "waiting for approval of " + v11}}},
		{name: "an approved candidate starts",
			in:         dryIn(manual, snap(registered(1, 2), withCurrent(v10, 1, 2), finished(model.ResultCompleted, ""), withCandidate(v11, true)), v11),
			wantReason: model.ReasonUpdate},
		{name: "outside the release window: until it opens",
			in: dryIn(windowed, at10, v11), wantReason: model.ReasonUpdate,
			want: []Blocker{{Kind: "wait-window", Until: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC),
				Reason: "update of " + v11 + " waits for the release window at 2026-11-24 09:00 UTC"}}},
		{name: "a release younger than min-release-age",
			in: dryIn(aged, at10, v11, latestIs(publishedAgo(release(v11), time.Hour)), func(in *DryRunInput) {
				in.Target = *in.Latest
			}),
			wantReason: model.ReasonUpdate,
			want: []Blocker{{Kind: "wait-release-age", Until: now.Add(23 * time.Hour),
				Reason: "release " + v11 + " was published 1h0m0s ago; min-release-age 24h0m0s: a candidate at 2026-11-25 01:10 UTC"}}},
		{name: "held",
			in: dryIn(auto, snap(registered(1, 2), withCurrent(v10, 1, 2), finished(model.ResultCompleted, ""), held(v11, "bad disk driver")), v11),
			want: []Blocker{{Kind: "none",
				Reason: "latest release " + v11 + " is held: bad disk driver (neco unhold " + v11 + ")"}},
			wantReason: model.ReasonUpdate},
		{name: "pinned to another version",
			in: dryIn(auto, snap(registered(1, 2), withCurrent(v10, 1, 2), finished(model.ResultCompleted, ""), pinned(v10, "freeze")), v11),
			want: []Blocker{{Kind: "none",
				Reason: "pinned to " + v10 + ": freeze; not taking " + v11 + " (neco unpin)"}},
			wantReason: model.ReasonUpdate},
		{name: "a running update comes first; what follows it is still asked",
			in: dryIn(manual, running, v11), wantReason: model.ReasonUpdate,
			want: []Blocker{
				{Kind: BlockRunning, Reason: "update 7 to " + v10 + " is running; nothing else starts before it ends"},
				{Kind: "wait-approval", Reason: "waiting for approval of " + v11}}},
		{name: "a stopped update waits for neco recover",
			in: dryIn(auto, snap(registered(1, 2), withCurrent(v10, 1, 2), stopped(), finished(model.ResultAborted, "x")), v11),
			want: []Blocker{{Kind: "stopped",
				Reason: "stopped: update 7 to " + v10 + " was aborted (x); nothing starts until `neco recover`"}},
			wantReason: model.ReasonUpdate},
		{name: "not the channel's pick: a newer release is",
			in:         dryIn(auto, snap(registered(1), withCurrent(v9, 1), finished(model.ResultCompleted, "")), v10, latestIs(release(v11))),
			wantReason: model.ReasonUpdate,
			want:       []Blocker{{Kind: BlockChannel, Reason: "the updater takes only the newest release env production accepts, release-" + v11 + " now"}}},
		{name: "nothing qualifies on the channel (a pre-release on production)",
			in:         dryIn(auto, at10, v11, latestIs(nil)),
			wantReason: model.ReasonUpdate,
			want:       []Blocker{{Kind: BlockChannel, Reason: "no release qualifies for env production; the updater starts nothing on its own"}}},
		{name: "env test never updates by itself",
			in:         dryIn(cluster(t, "env", "test"), at10, v11),
			wantReason: model.ReasonUpdate,
			want:       []Blocker{{Kind: "none", Reason: "env test never updates automatically"}}},
		{name: "the version the site runs",
			in:         dryIn(auto, at10, v10),
			wantReason: model.ReasonUpdate,
			want:       []Blocker{{Kind: BlockUpToDate, Reason: "up to date at " + v10}}},
		{name: "the version the site runs, on a server that joined: a reconfigure",
			in:         dryIn(auto, snap(registered(1, 2, 3), withCurrent(v10, 1, 2), finished(model.ResultCompleted, "")), v10, latestIs(release(v10))),
			wantReason: model.ReasonReconfigure},
		{name: "older: only neco rollback starts it",
			in:         dryIn(auto, at10, v9),
			wantReason: model.ReasonRollback,
			want: []Blocker{{Kind: BlockRollback,
				Reason: v9 + " is older than the site's version; only `neco rollback " + v9 + "` starts it"}}},
		{name: "older and already requested: nothing in the way",
			in:         dryIn(auto, snap(registered(1, 2), withCurrent(v10, 1, 2), finished(model.ResultCompleted, ""), rollbackRequested(v9, v10)), v9),
			wantReason: model.ReasonRollback},
		{name: "older past an irreversible step: refused without --force",
			in:         dryIn(auto, at10, v9, ranBefore(ran("migrate", v10))),
			wantReason: model.ReasonRollback,
			want: []Blocker{{Kind: BlockRollback,
				Reason: "rolling back to " + v9 + " would not undo irreversible once-steps: migrate (" + v10 + ") (neco rollback --force overrides)"}}},
		{name: "older while an update runs: refused",
			in:         dryIn(auto, running, v9),
			wantReason: model.ReasonRollback,
			want: []Blocker{{Kind: BlockRollback,
				Reason: "rollback refused: update 7 to " + v10 + " is running; abort it first (neco update abort) or let it end"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := PlanUpdate(tt.in)
			if got.Reason != tt.wantReason {
				t.Errorf("reason = %s, want %s", got.Reason, tt.wantReason)
			}
			if diff := cmp.Diff(tt.want, got.Blockers); diff != "" {
				t.Errorf("blockers (-want +got):\n%s", diff)
			}
		})
	}
}

func installed(site, etcdpasswd, neco string, images map[string]string) model.Installed {
	in := model.Installed{Debs: map[string]model.Version{}, Images: images}
	for name, v := range map[string]string{sitePkg: site, "etcdpasswd": etcdpasswd, "neco": neco} {
		if v != "" {
			in.Debs[name] = model.MustParseVersion(v)
		}
	}
	return in
}

func pkgChange(name, from, to string, c ChangeKind, source string) PackageChange {
	pc := PackageChange{Name: name, Change: c, Source: source}
	if from != "" {
		pc.From = model.MustParseVersion(from)
	}
	if to != "" {
		pc.To = model.MustParseVersion(to)
	}
	return pc
}

// TestPlanUpdateChanges compares each server's records with the plan: one
// server behind, one partly there already, one that recorded nothing.
func TestPlanUpdateChanges(t *testing.T) {
	s := snap(registered(0, 1, 2), withCurrent(v10, 0, 1), finished(model.ResultCompleted, ""))
	in := dryIn(cluster(t, "env", "production"), s, v11, func(in *DryRunInput) {
		in.Installed = map[int]model.Installed{
			0: installed(v10, "1.4.0", "1.2.3", map[string]string{"cke": digestA, "squid": digestA}),
			1: installed(v11, "1.4.1", "1.1.0", map[string]string{"cke": digestB}),
		}
	})
	siteSrc, nec, etc, tool := "site package release-"+v11, "necoship/neco v1.2.0", "cybozu-go/etcdpasswd v1.4.1", "example/tool v2"
	cke, squid := "registry.example/cke:1.30@"+digestB, "registry.example/squid:6@"+digestA
	want := []ServerChanges{
		{LRN: 0,
			Packages: []PackageChange{
				pkgChange(sitePkg, v10, v11, ChangeUpgrade, siteSrc),
				pkgChange("neco", "1.2.3", "1.2.3", ChangeSame, nec),
				pkgChange("etcdpasswd", "1.4.0", "1.4.1", ChangeUpgrade, etc),
				pkgChange("tool", "", "", ChangeUnknown, tool),
			},
			Images: []ImageChange{
				{Name: "cke", From: digestA, Ref: cke, Change: ChangeReplace},
				{Name: "squid", From: digestA, Ref: squid, Change: ChangeSame},
			}},
		{LRN: 1,
			Packages: []PackageChange{
				pkgChange(sitePkg, v11, v11, ChangeSame, siteSrc),
				pkgChange("neco", "1.1.0", "1.2.0", ChangeIfOlder, nec),
				pkgChange("etcdpasswd", "1.4.1", "1.4.1", ChangeSame, etc),
				pkgChange("tool", "", "", ChangeUnknown, tool),
			},
			Images: []ImageChange{
				{Name: "cke", From: digestB, Ref: cke, Change: ChangeSame},
				{Name: "squid", Ref: squid, Change: ChangeNew},
			}},
		{LRN: 2,
			Packages: []PackageChange{
				pkgChange(sitePkg, "", v11, ChangeNew, siteSrc),
				pkgChange("neco", "", "1.2.0", ChangeIfOlder, nec),
				pkgChange("etcdpasswd", "", "1.4.1", ChangeNew, etc),
				pkgChange("tool", "", "", ChangeUnknown, tool),
			},
			Images: []ImageChange{
				{Name: "cke", Ref: cke, Change: ChangeNew},
				{Name: "squid", Ref: squid, Change: ChangeNew},
			}},
	}
	got := PlanUpdate(in)
	if diff := cmp.Diff(want, got.Changes); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int{0, 1, 2}, got.Servers); diff != "" {
		t.Errorf("servers (-want +got):\n%s", diff)
	}
}

// TestPlanUpdateSteps lists the steps in the order the workers number them,
// with the rolling step's order and window.
func TestPlanUpdateSteps(t *testing.T) {
	s := snap(registered(2, 0, 1), withCurrent(v10, 0, 1, 2), finished(model.ResultCompleted, ""))
	all := []int{0, 1, 2}
	want := []PlannedStep{
		{Number: 0, Kind: StepPrepare, Name: "prepare " + v11, Servers: all},
		{Number: 1, Kind: StepRestart, Name: "restart sabakan.service (anytime)", Strategy: plan.StrategyAnytime, Servers: all},
		{Number: 2, Kind: StepRestart, Name: "restart etcd.service (rolling)", Strategy: plan.StrategyRolling, Servers: all,
			MaxUnavailable: 2, Soak: 5 * time.Minute},
		{Number: 3, Kind: StepStop, Name: "stop cke.service (stop-all)", Strategy: plan.StrategyStopAll, Servers: all},
		{Number: 4, Kind: StepStart, Name: "start cke.service (stop-all)", Strategy: plan.StrategyStopAll, Servers: all},
		{Number: 5, Kind: StepOnce, Name: "once migrate", Irreversible: true},
	}
	got := PlanUpdate(dryIn(cluster(t, "env", "production"), s, v11))
	if diff := cmp.Diff(want, got.Steps); diff != "" {
		t.Errorf("steps (-want +got):\n%s", diff)
	}
}

// TestPlanUpdateStepsWithCanaries: the canary phase first, on the
// canaries, then the same steps on the rest, then the once-steps.
func TestPlanUpdateStepsWithCanaries(t *testing.T) {
	s := snap(registered(2, 0, 1), withCurrent(v10, 0, 1, 2), finished(model.ResultCompleted, ""))
	first, rest := []int{0}, []int{1, 2}
	steps := func(who []int, canary bool) []PlannedStep {
		return []PlannedStep{
			{Number: 0, Kind: StepPrepare, Name: "prepare " + v11, Servers: who, Canary: canary},
			{Number: 1, Kind: StepRestart, Name: "restart sabakan.service (anytime)", Strategy: plan.StrategyAnytime, Servers: who, Canary: canary},
			{Number: 2, Kind: StepRestart, Name: "restart etcd.service (rolling)", Strategy: plan.StrategyRolling, Servers: who,
				MaxUnavailable: 2, Soak: 5 * time.Minute, Canary: canary},
			{Number: 3, Kind: StepStop, Name: "stop cke.service (stop-all)", Strategy: plan.StrategyStopAll, Servers: who, Canary: canary},
			{Number: 4, Kind: StepStart, Name: "start cke.service (stop-all)", Strategy: plan.StrategyStopAll, Servers: who, Canary: canary},
		}
	}
	want := append(append(steps(first, true), steps(rest, false)...),
		PlannedStep{Number: 5, Kind: StepOnce, Name: "once migrate", Irreversible: true})
	got := PlanUpdate(dryIn(cluster(t, "env", "production", "canary", "1", "canary-soak", "1h"), s, v11))
	if diff := cmp.Diff(want, got.Steps); diff != "" {
		t.Errorf("steps (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(first, got.Canaries); diff != "" || got.CanarySoak != time.Hour {
		t.Errorf("canaries %v soak %s, want [0] 1h", got.Canaries, got.CanarySoak)
	}
}

// TestPlanUpdateWindowPauses: the plan says a started update pauses
// outside release-time only where the updater would pause it.
func TestPlanUpdateWindowPauses(t *testing.T) {
	s := snap(registered(0, 1), withCurrent(v10, 0, 1), finished(model.ResultCompleted, ""))
	for _, tt := range []struct {
		name   string
		kv     []string
		target string
		want   bool
	}{
		{"whole with release-time", []string{"release-time", "* 3 * * *", "release-window-scope", "whole"}, v11, true},
		{"start", []string{"release-time", "* 3 * * *"}, v11, false},
		{"whole without release-time", []string{"release-window-scope", "whole"}, v11, false},
		{"a rollback is never paused", []string{"release-time", "* 3 * * *", "release-window-scope", "whole"}, v9, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := PlanUpdate(dryIn(cluster(t, append([]string{"env", "production"}, tt.kv...)...), s, tt.target))
			if got.WindowPauses != tt.want {
				t.Errorf("WindowPauses = %v, want %v (reason %s)", got.WindowPauses, tt.want, got.Reason)
			}
		})
	}
}
