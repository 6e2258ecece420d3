package decide

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/necoship/neco/pkg/model"
)

// participant is one server of the running update with its report for that
// update. Reports carrying another update's ID are dropped when the
// participant is built, so that nothing below can mistake a previous
// update's "completed" for this one's.
type participant struct {
	lrn int
	// report is nil until the worker reports for this update.
	report *model.WorkerStatus
	// seen is when the updater first saw report (UpdaterInput.SeenAt);
	// zero when unknown.
	seen time.Time
}

// reportedAt is when the report was made, on the updater's clock when it
// is known (see UpdaterInput.SeenAt); zero before the first report.
func (p participant) reportedAt() time.Time {
	switch {
	case p.report == nil:
		return time.Time{}
	case !p.seen.IsZero():
		return p.seen
	}
	return p.report.UpdatedAt
}

func (p participant) cond() model.Cond {
	if p.report == nil {
		return ""
	}
	return p.report.Cond
}

// finished is the number of steps the worker has finished.
func (p participant) finished() int {
	if p.report == nil {
		return 0
	}
	return p.report.Step
}

// passed reports whether the worker has nothing left to do until the
// barrier moves past step barrier: it completed, or it finished that step.
func (p participant) passed(barrier int) bool {
	return p.cond() == model.CondCompleted || p.finished() >= barrier+1
}

// lastProgress is when the worker last showed it was alive; before its first
// report that is the start of the update, so a worker that never starts
// times out like one that hangs. A barrier opened later counts instead: a
// worker reports a step it entered only once the step has run a while.
func (p participant) lastProgress(cur model.Update, b *model.Barrier) time.Time {
	t := cur.StartedAt
	if p.report != nil {
		t = p.reportedAt()
	}
	if b != nil && b.ID == cur.ID && b.OpenedAt.After(t) {
		t = b.OpenedAt
	}
	// A pause was a wait the operator asked for: silence counts from the
	// resume.
	if r := resumedAt(cur); r.After(t) {
		t = r
	}
	return t
}

// participantsOf lists Current.Servers, sorted numerically, with their
// reports. Servers that joined since the update started are not listed:
// they take part in the next one.
func participantsOf(s model.Snapshot) []participant {
	cur := s.Current
	lrns := sortedLRNs(cur.Servers)
	ps := make([]participant, 0, len(lrns))
	for _, l := range lrns {
		p := participant{lrn: l}
		if w, ok := s.Workers[l]; ok && w.ID == cur.ID {
			p.report = &w
		}
		ps = append(ps, p)
	}
	return ps
}

// participantsSeen is participantsOf in's snapshot, with when the updater
// saw each report.
func participantsSeen(in UpdaterInput) []participant {
	ps := participantsOf(in.Snapshot)
	for i := range ps {
		ps[i].seen = in.SeenAt[ps[i].lrn]
	}
	return ps
}

// barrierStep is the step workers of the current update may enter, or -1
// when no barrier was written for it: then no step is open yet, and the
// next barrier opens step 0.
func barrierStep(s model.Snapshot) int {
	if b := s.Barrier; b != nil && b.ID == s.Current.ID {
		return b.Step
	}
	return -1
}

// decideRunning drives a running update. Failures are checked before
// success, so that an update one worker aborted is never recorded as
// completed, whatever the others report.
func decideRunning(in UpdaterInput) Action {
	cur := *in.Snapshot.Current
	ps := participantsSeen(in)
	barrier := barrierStep(in.Snapshot)
	canary := InCanaryPhase(in.Snapshot)
	// The servers the barrier waits for: in the canary phase the canaries
	// only, the others have not started.
	active := ps
	if canary {
		active = slices.DeleteFunc(slices.Clone(ps), func(p participant) bool { return !cur.IsCanary(p.lrn) })
	}

	for _, p := range ps {
		if p.cond() == model.CondAborted {
			return abortFor(cur, p, in.Now)
		}
	}
	// Nobody is silent while paused or held by the alert gate: waiting is
	// what was asked.
	held := cur.Paused || gateHold(gateOn(in.Config), in.Snapshot.Gate) != ""
	if msg := timeoutMessage(active, cur, barrier, in); msg != "" && !held {
		reason := fmt.Sprintf("update %d to %s timed out: %s", cur.ID, cur.Version, msg)
		return endUpdate(ActionTimeout, cur, model.ResultTimedOut, msg, in.Now, reason)
	}
	if every(ps, func(p participant) bool { return p.cond() == model.CondCompleted }) {
		reason := fmt.Sprintf("update %d to %s completed on servers %s", cur.ID, cur.Version, lrnList(sortedLRNs(cur.Servers)))
		return endUpdate(ActionFinish, cur, model.ResultCompleted, "", in.Now, reason)
	}
	if a, ok := windowPause(in, cur); ok {
		return a
	}
	if cur.Paused {
		return Action{Kind: ActionNone, Reason: pausedReason(cur)}
	}
	if canary && every(active, canaryDone) {
		return endCanaryPhase(in, cur, active)
	}
	if every(active, func(p participant) bool { return p.passed(barrier) }) {
		return advance(cur, barrier, in.Now, canary)
	}
	write, turns, why := openTurns(in, ps)
	if write {
		return Action{Kind: ActionOpenTurns, Turns: turns, Until: soakEnd(turns), Reason: why}
	}
	reason := waitingReason(active, barrier)
	if canary {
		reason = "canary phase: " + reason
	}
	return Action{Kind: ActionNone, Reason: reason, Until: soakEnd(turns)}
}

// soakEnd is when the next turns of t open by themselves; zero when none
// waits for a soak.
func soakEnd(t *model.Turns) time.Time {
	if t == nil || t.Soak == nil {
		return time.Time{}
	}
	return t.Soak.At
}

func every(ps []participant, ok func(participant) bool) bool {
	for _, p := range ps {
		if !ok(p) {
			return false
		}
	}
	return true
}

// abortFor ends the update because worker p aborted.
func abortFor(cur model.Update, p participant, now time.Time) Action {
	msg := p.report.Message
	if msg == "" {
		msg = "no message"
	}
	reason := fmt.Sprintf("worker %d aborted at step %d: %s", p.lrn, p.report.Step, msg)
	return endUpdate(ActionAbort, cur, model.ResultAborted, fmt.Sprintf("worker %d: %s", p.lrn, msg), now, reason)
}

// timeoutMessage returns why the update timed out, or "" when it has not:
// workers that reported timedout themselves, then workers silent for longer
// than worker-timeout. A worker waiting at the barrier is not silent (its
// report cannot change until the others catch up), and neither is one that
// completed: otherwise an updater that was down for a while would time out
// an update that in fact finished.
func timeoutMessage(ps []participant, cur model.Update, barrier int, in UpdaterInput) string {
	limit := in.Config.WorkerTimeout
	deadline := in.Now.Add(-limit)
	var parts []string
	var silent []int
	for _, p := range ps {
		switch {
		case p.cond() == model.CondTimedOut:
			parts = append(parts, fmt.Sprintf("worker %d timed out at step %d", p.lrn, p.report.Step)+messageSuffix(p.report.Message))
		case p.passed(barrier):
		case p.lastProgress(cur, in.Snapshot.Barrier).Before(deadline):
			silent = append(silent, p.lrn)
		}
	}
	if len(silent) > 0 {
		parts = append(parts, fmt.Sprintf("no progress for %s from workers %s", limit, lrnList(silent)))
	}
	return strings.Join(parts, "; ")
}

func messageSuffix(msg string) string {
	if msg == "" {
		return ""
	}
	return ": " + msg
}

// advance opens the step after barrier. Workers watch this one key, so the
// updater, not each worker, is who notices that everybody is ready.
func advance(cur model.Update, barrier int, now time.Time, canary bool) Action {
	next := barrier + 1
	reason := fmt.Sprintf("all workers finished step %d; opening step %d", barrier, next)
	if canary {
		reason = fmt.Sprintf("canaries %s finished step %d; opening step %d to them", lrnList(cur.Canaries), barrier, next)
	}
	if barrier < 0 {
		reason = fmt.Sprintf("no barrier for update %d; opening step 0", cur.ID)
	}
	return Action{
		Kind:    ActionAdvanceBarrier,
		Barrier: &model.Barrier{ID: cur.ID, Step: next, OpenedAt: now, Canary: canary},
		Reason:  reason,
	}
}

// waitingReason names the workers the barrier waits for, so that `neco
// status` points at the slow server rather than at the whole update.
func waitingReason(ps []participant, barrier int) string {
	var parts []string
	for _, p := range ps {
		switch {
		case p.passed(barrier):
		case p.report == nil:
			parts = append(parts, fmt.Sprintf("%d not reported yet", p.lrn))
		default:
			parts = append(parts, fmt.Sprintf("%d at step %d", p.lrn, p.report.Step))
		}
	}
	return "waiting for workers: " + strings.Join(parts, ", ")
}
