package decide

import (
	"fmt"
	"slices"
	"time"

	"github.com/necoship/neco/pkg/model"
)

// The canary phase (config canary, docs/decide.md): the update's canaries
// run every step before the once-steps while the other servers have not
// even started step 0, so a release that breaks in prepare (a failing
// postinst) or in a restart reaches the canaries only. The barrier says
// which phase it is; when every canary is done and canary-soak has passed,
// the updater opens step 0 to the rest. Once-steps run after all servers.

// InCanaryPhase says whether the running update is in its canary phase:
// it has canaries, and no barrier of it has left the phase.
func InCanaryPhase(s model.Snapshot) bool {
	cur := s.Current
	if len(cur.Canaries) == 0 {
		return false
	}
	b := s.Barrier
	return b == nil || b.ID != cur.ID || b.Canary
}

// canariesOf picks the first n servers in LRN order. With as many servers
// as canaries or fewer there is no one to protect: no canary phase.
func canariesOf(servers []int, n int) []int {
	if n <= 0 || n >= len(servers) {
		return nil
	}
	return slices.Clone(servers[:n])
}

// firstOnce is the index of the first once-step: a canary stops before it.
func firstOnce(steps []Step) int {
	if i := slices.IndexFunc(steps, func(s Step) bool { return s.Kind == StepOnce }); i >= 0 {
		return i
	}
	return len(steps)
}

// canaryDone says whether canary p has nothing left in the canary phase.
func canaryDone(p participant) bool {
	return p.cond() == model.CondCompleted || (p.report != nil && p.report.Canaried)
}

// endCanaryPhase opens step 0 to the other servers once canary-soak has
// passed since the last canary finished.
func endCanaryPhase(in UpdaterInput, cur model.Update, canaries []participant) Action {
	var done time.Time
	for _, p := range canaries {
		if t := p.reportedAt(); t.After(done) {
			done = t
		}
	}
	rest := slices.DeleteFunc(slices.Clone(cur.Servers), cur.IsCanary)
	if until := done.Add(in.Config.CanarySoak); in.Now.Before(until) {
		return Action{Kind: ActionNone, Reason: fmt.Sprintf(
			"canaries %s finished update %d to %s; servers %s start at %s (canary-soak %s)",
			lrnList(cur.Canaries), cur.ID, cur.Version, lrnList(rest), until.UTC().Format("15:04:05 MST"), in.Config.CanarySoak)}
	}
	if hold := gateHold(gateOn(in.Config), in.Snapshot.Gate); hold != "" {
		return Action{Kind: ActionNone, Reason: fmt.Sprintf("canaries %s finished update %d to %s; servers %s wait for the alert gate: %s",
			lrnList(cur.Canaries), cur.ID, cur.Version, lrnList(rest), hold)}
	}
	return Action{
		Kind:    ActionAdvanceBarrier,
		Barrier: &model.Barrier{ID: cur.ID, Step: 0, OpenedAt: in.Now},
		Reason: fmt.Sprintf("canaries %s finished update %d to %s; opening step 0 on servers %s",
			lrnList(cur.Canaries), cur.ID, cur.Version, lrnList(rest)),
	}
}
