package decide

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/necoship/neco/pkg/config"
	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/plan"
)

// DryRunInput is what `neco plan` computes an update from: the same
// snapshot, config and release the updater would decide on, plus the
// release's plan (read from its verified site package) and what each server
// recorded as installed.
type DryRunInput struct {
	Snapshot model.Snapshot
	Config   config.Cluster
	// Latest is the channel's pick now (nil when nothing qualifies); the
	// updater starts only that one on its own.
	Latest *model.Release
	// Target is the release planned: Latest unless the operator named one.
	Target model.Release
	// Plan is Target's plan and SitePackage the name of its site package.
	Plan        plan.Plan
	SitePackage string
	// Installed is what each server recorded (install/<LRN>/).
	Installed map[int]model.Installed
	// History and Irreversible decide whether a rollback to an older Target
	// would be allowed (PlanRollback).
	History      []model.HistoryEntry
	Irreversible []model.IrreversibleRun
	Now          time.Time
}

// DryRun is an update as it would run now: on which servers, what changes
// on each, the steps in order with their strategy, and what keeps it from
// starting.
type DryRun struct {
	Target model.Release
	// Reason is what the update would be started as.
	Reason model.Reason
	// Servers are the registered servers, which an update would run on.
	Servers []int
	// Canaries run every step before the once-steps first (config
	// canary); the rest wait CanarySoak after them. Empty: none.
	Canaries   []int
	CanarySoak time.Duration
	// WindowPauses says the update, once started, pauses between steps
	// outside release-time (release-window-scope whole; not a rollback).
	WindowPauses bool
	// Blockers is empty when the updater would start the update at its
	// next decision; otherwise each says what stands in the way.
	Blockers []Blocker
	// Changes are per server, in LRN order.
	Changes []ServerChanges
	Steps   []PlannedStep
}

// BlockerKind names what keeps a planned update from starting.
type BlockerKind string

// The blockers. The updater's own waits carry its ActionKind
// (wait-approval, wait-window, wait-release-age, stopped, none).
const (
	// BlockRunning: another update is running; it must end first.
	BlockRunning BlockerKind = "running"
	// BlockChannel: the target is not the release the updater picks.
	BlockChannel BlockerKind = "channel"
	// BlockRollback: an older target needs `neco rollback`, or is refused.
	BlockRollback BlockerKind = "rollback"
	// BlockUpToDate: the site runs the target already.
	BlockUpToDate BlockerKind = "up-to-date"
)

// Blocker is one reason an update does not start now.
type Blocker struct {
	Kind   BlockerKind
	Reason string
	// Until is when the blocker lifts by itself (a window opens, the
	// release is old enough); zero otherwise.
	Until time.Time
}

// PlanUpdate computes the dry run of an update to in.Target. It runs the
// updater's decision (NextAction) and the rollback check (PlanRollback) on
// the input, so `neco plan` says what the updater would say.
func PlanUpdate(in DryRunInput) DryRun {
	servers := in.Snapshot.LRNs()
	canaries := canariesOf(servers, in.Config.Canary)
	out := DryRun{
		Target:   in.Target,
		Reason:   model.ReasonUpdate,
		Servers:  servers,
		Canaries: canaries,
		Changes:  serverChanges(in, servers),
		Steps:    plannedSteps(in.Plan, servers, canaries),
	}
	if len(canaries) > 0 {
		out.CanarySoak = in.Config.CanarySoak
	}
	cur := in.Snapshot.Current
	if cur != nil && in.Target.Version.Compare(cur.Version) < 0 {
		out.Reason = model.ReasonRollback
		out.Blockers = rollbackBlockers(in)
		return out
	}
	out.Reason, out.Blockers = updateBlockers(in)
	out.WindowPauses = in.Config.ReleaseWindowScope == config.WindowScopeWhole && len(in.Config.ReleaseTime) > 0
	return out
}

// updateBlockers asks NextAction, with Target as the channel's pick, what
// the updater would do; a running update is reported, and the updater's
// gates after it are asked as if it had completed. The reason is the
// start's (a reconfigure of the version the site runs, when servers
// changed), else update.
func updateBlockers(in DryRunInput) (model.Reason, []Blocker) {
	var bs []Blocker
	l := in.Latest
	switch {
	case l == nil:
		bs = append(bs, Blocker{Kind: BlockChannel, Reason: fmt.Sprintf(
			"no release qualifies for env %s; the updater starts nothing on its own", in.Config.Env)})
	case !l.Version.Equal(in.Target.Version):
		bs = append(bs, Blocker{Kind: BlockChannel, Reason: fmt.Sprintf(
			"the updater takes only the newest release env %s accepts, %s now", in.Config.Env, l.Tag)})
	}
	s := in.Snapshot
	if cur := s.Current; cur != nil && s.Finished == nil && !cur.Stop {
		bs = append(bs, Blocker{Kind: BlockRunning, Reason: fmt.Sprintf(
			"update %d to %s is running; nothing else starts before it ends", cur.ID, cur.Version)})
		s.Finished = &model.HistoryEntry{ID: cur.ID, Version: cur.Version, Result: model.ResultCompleted}
	}
	target := in.Target
	a := NextAction(UpdaterInput{Snapshot: s, Config: in.Config, Latest: &target, Now: in.Now})
	switch {
	case a.Kind == ActionStartUpdate && a.Update.Version.Equal(target.Version):
		return a.Update.Reason, bs
	case a.Kind == ActionNone && s.Current != nil && s.Current.Version.Equal(target.Version):
		bs = append(bs, Blocker{Kind: BlockUpToDate, Reason: a.Reason})
	default:
		bs = append(bs, Blocker{Kind: BlockerKind(a.Kind), Reason: a.Reason, Until: a.Until})
	}
	return model.ReasonUpdate, bs
}

// rollbackBlockers says what a rollback to Target needs: PlanRollback's
// refusal, or the operator's `neco rollback` unless it is requested.
func rollbackBlockers(in DryRunInput) []Blocker {
	v := in.Target.Version
	if r := in.Snapshot.Rollback; r != nil && r.Version.Equal(v) {
		return nil
	}
	_, err := PlanRollback(RollbackInput{Snapshot: in.Snapshot, History: in.History,
		Irreversible: in.Irreversible, Target: v, Now: in.Now})
	var irr *IrreversibleError
	switch {
	case errors.As(err, &irr):
		return []Blocker{{Kind: BlockRollback, Reason: err.Error() + " (neco rollback --force overrides)"}}
	case err != nil:
		return []Blocker{{Kind: BlockRollback, Reason: err.Error()}}
	}
	return []Blocker{{Kind: BlockRollback, Reason: fmt.Sprintf(
		"%s is older than the site's version; only `neco rollback %s` starts it", v, v)}}
}

// PlannedStep is one step of the update as every server would run it.
type PlannedStep struct {
	// Number is the step's number in neco status.
	Number   int
	Kind     StepKind
	Name     string
	Strategy plan.Strategy
	// Servers run the step, in turn order for a rolling step (LRN order,
	// at most MaxUnavailable at once: a server goes when the one
	// MaxUnavailable places ahead has finished). Nil for a once-step,
	// which runs on the worker leader only.
	Servers        []int
	MaxUnavailable int
	Soak           time.Duration
	Irreversible   bool
	// Canary marks the steps of the canary phase, which the canaries run
	// before any other server starts step 0.
	Canary bool
}

// plannedSteps lists the steps in the order they run: with canaries, the
// steps before the once-steps on the canaries, then on the rest, then the
// once-steps.
func plannedSteps(p plan.Plan, servers, canaries []int) []PlannedStep {
	steps := Steps(p)
	out := make([]PlannedStep, 0, len(steps))
	add := func(i int, st Step, who []int, canary bool) {
		ps := PlannedStep{Number: i, Kind: st.Kind, Name: st.Name, Servers: slices.Clone(who), Canary: canary}
		if o := st.Once; o != nil {
			ps.Servers, ps.Irreversible = nil, o.Irreversible
		}
		if svc := st.Service; svc != nil {
			ps.Strategy, ps.MaxUnavailable, ps.Soak = svc.Strategy, svc.MaxUnavailable, svc.Soak.Duration
		}
		out = append(out, ps)
	}
	rest := servers
	if len(canaries) > 0 {
		rest = slices.DeleteFunc(slices.Clone(servers), func(l int) bool { return slices.Contains(canaries, l) })
		for i, st := range steps[:firstOnce(steps)] {
			add(i, st, canaries, true)
		}
	}
	for i, st := range steps {
		add(i, st, rest, false) // a once-step's servers are the leader's
	}
	return out
}
