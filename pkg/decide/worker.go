package decide

import (
	"fmt"
	"slices"
	"time"

	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/plan"
)

// WorkerInput is everything one decision of a worker reads.
type WorkerInput struct {
	// Snapshot is read at one etcd revision.
	Snapshot model.Snapshot
	// LRN is this worker's boot server.
	LRN int
	// Leader is whether this worker holds leader/worker/ (it runs the
	// once-steps).
	Leader bool
	// Plan is the plan of the site package installed on this server; nil
	// when none is installed or it cannot be read.
	Plan *plan.Plan
	// Now is the caller's clock, read once per decision.
	Now time.Time
	// Gate says an alert gate is configured (gate-prometheus-url): a
	// rolling turn then waits while Snapshot.Gate holds.
	Gate bool
}

// WorkerActionKind says what a worker must do next.
type WorkerActionKind string

// The worker's actions.
const (
	// WorkerIdle: nothing to do until etcd changes; Reason says why.
	WorkerIdle WorkerActionKind = "idle"
	// WorkerWait: this server waits for its rolling turn (Wait says on
	// what). The report is refreshed (Report) so that waiting is not
	// mistaken for a hang.
	WorkerWait WorkerActionKind = "wait"
	// WorkerStop: the update was stopped; cancel whatever runs.
	WorkerStop WorkerActionKind = "stop"
	// WorkerRun: write Report (the step starts), run Step, then report
	// Step+1 finished.
	WorkerRun WorkerActionKind = "run"
	// WorkerSkip: write Report, which already counts Step as finished.
	WorkerSkip WorkerActionKind = "skip"
	// WorkerComplete: write Report (cond completed).
	WorkerComplete WorkerActionKind = "complete"
	// WorkerAbort: write Report (cond aborted, the reason as message).
	WorkerAbort WorkerActionKind = "abort"
	// WorkerReport: write Report, then idle until etcd changes (a canary
	// done with the canary phase).
	WorkerReport WorkerActionKind = "report"
)

// WorkerAction is the worker's next step.
type WorkerAction struct {
	Kind WorkerActionKind
	// StepIndex is the number of the step to run or skip.
	StepIndex int
	// Step is the step to run (WorkerRun) or skip; nil otherwise.
	Step *Step
	// Report is the status to write before acting; nil when there is none.
	Report *model.WorkerStatus
	// Done is the status to write when Step succeeds (WorkerRun): the
	// step counted as finished, or the update completed after the last
	// step, which then needs no further decision.
	Done *model.WorkerStatus
	// Wait is what a WorkerWait waits on; nil otherwise.
	Wait *Wait
	// Reason is one sentence for logs and the report's message.
	Reason string
}

// NextWorkerAction decides what worker in.LRN does next; docs/worker.md has the
// rules. Like NextAction it never fails: what it cannot make sense of ends
// in an abort an operator sees.
func NextWorkerAction(in WorkerInput) WorkerAction {
	e := enter(in)
	switch {
	case e.final != nil:
		return *e.final
	case e.step == 0:
		return run(in, 0, []Step{prepareStep(in.Snapshot.Current.Version)})
	}
	return decideStep(in, e.step, e.steps)
}

// entry is what NextWorkerAction finds before deciding a step: an action that
// needs no step (final), or the step this server may enter now, with the
// installed plan's steps (nil for step 0, before the plan is known).
type entry struct {
	final *WorkerAction
	step  int
	steps []Step
}

func decided(a WorkerAction) entry { return entry{final: &a} }

// enter checks, in order, everything that keeps this server from
// entering its next step: no update for it, an ended or stopped one, its
// own report, the canary phase, the plan, the barrier and a pause.
func enter(in WorkerInput) entry {
	s := in.Snapshot
	cur := s.Current
	switch {
	case cur == nil:
		return decided(idle("no update yet"))
	case !slices.Contains(cur.Servers, in.LRN):
		return decided(idle(fmt.Sprintf("update %d to %s does not include server %d; it takes part in the next one", cur.ID, cur.Version, in.LRN)))
	case s.Finished != nil:
		return decided(idle(fmt.Sprintf("update %d to %s %s", cur.ID, cur.Version, resultWords(s.Finished.Result))))
	case cur.Stop:
		return decided(WorkerAction{Kind: WorkerStop, Reason: fmt.Sprintf("update %d to %s was stopped", cur.ID, cur.Version)})
	}
	mine, ok := s.Workers[in.LRN]
	if !ok || mine.ID != cur.ID || mine.Validate() != nil {
		// An invalid report is what storage leaves out of a snapshot.
		mine = model.WorkerStatus{}
	}
	switch mine.Cond {
	case model.CondCompleted:
		return decided(idle(fmt.Sprintf("completed update %d to %s", cur.ID, cur.Version)))
	case model.CondAborted, model.CondTimedOut:
		return decided(idle(fmt.Sprintf("reported %s in update %d; the updater ends it", mine.Cond, cur.ID)))
	}
	canary := InCanaryPhase(s)
	if canary && !cur.IsCanary(in.LRN) {
		// Nothing of the update touches this server until the canaries
		// are done: no download, no dpkg, no report.
		return decided(idle(fmt.Sprintf("waiting for canaries %s to finish update %d to %s", lrnList(cur.Canaries), cur.ID, cur.Version)))
	}
	next := mine.Step // steps finished = the step to enter
	var steps []Step
	if next > 0 {
		// Past prepare the installed plan says what the steps are.
		if in.Plan == nil || !in.Plan.Version.Equal(cur.Version) {
			return decided(abort(in, next, planMismatch(in.Plan, cur.Version)))
		}
		steps = Steps(*in.Plan)
		if next >= len(steps) {
			// The last step needs no barrier after it: completing is
			// what the updater waits for.
			return decided(report(in, WorkerComplete, len(steps), model.CondCompleted, "", fmt.Sprintf("all %d steps done", len(steps))))
		}
		if canary && next >= firstOnce(steps) {
			return decided(canaried(in, mine, next))
		}
	}
	if open := barrierStep(s); next > open {
		if next == 0 {
			return decided(idle(fmt.Sprintf("waiting for the updater to open step 0 of update %d", cur.ID)))
		}
		return decided(idle(fmt.Sprintf("finished step %d of update %d; waiting for the barrier", next-1, cur.ID)))
	}
	if cur.Paused {
		// The step this server was in has finished; it starts no other.
		return decided(idle(pausedReason(*cur)))
	}
	return entry{step: next, steps: steps}
}

// decideStep decides step i, past prepare, that this worker may enter.
func decideStep(in WorkerInput, i int, steps []Step) WorkerAction {
	st := steps[i]
	switch {
	case st.Kind == StepOnce:
		return decideOnce(in, i, steps)
	case isRolling(st):
		if a, ok := rollingWait(in, i, st); ok {
			return a
		}
	}
	return run(in, i, steps)
}

func isRolling(st Step) bool {
	return st.Kind == StepRestart && st.Service.Strategy == plan.StrategyRolling
}

// decideOnce: the worker leader runs a once-step unless contents/ records
// it for this version; the other workers finish the step at once.
func decideOnce(in WorkerInput, i int, steps []Step) WorkerAction {
	cur, st := in.Snapshot.Current, steps[i]
	if !in.Leader {
		return skip(in, i, st, "not the worker leader: "+st.Name+" runs on the leader")
	}
	c, ok := in.Snapshot.Contents[st.Once.Name]
	switch {
	case !ok || !c.Version.Equal(cur.Version):
		return run(in, i, steps)
	case c.Success:
		return skip(in, i, st, fmt.Sprintf("%s already ran for %s", st.Name, cur.Version))
	case st.Once.Irreversible:
		return abort(in, i, fmt.Sprintf("%s was started for %s and did not record success; it is irreversible, so check by hand, then neco recover", st.Name, cur.Version))
	}
	return run(in, i, steps) // reversible: running it again is safe
}

func planMismatch(p *plan.Plan, want model.Version) string {
	if p == nil {
		return fmt.Sprintf("no plan of %s is installed on this server (was the site package removed?)", want)
	}
	return fmt.Sprintf("the installed plan is %s, the update is to %s (was the site package changed by hand?)", p.Version, want)
}

func idle(reason string) WorkerAction { return WorkerAction{Kind: WorkerIdle, Reason: reason} }

// canaried: this canary finished every step before the once-steps in the
// canary phase. It says so once (WorkerReport), so that the updater opens
// step 0 to the others, and then waits without running a once-step.
func canaried(in WorkerInput, mine model.WorkerStatus, next int) WorkerAction {
	cur := in.Snapshot.Current
	msg := fmt.Sprintf("canary: finished update %d to %s up to the once-steps; waiting for the other servers", cur.ID, cur.Version)
	if mine.Canaried {
		return idle(msg)
	}
	a := report(in, WorkerReport, next, model.CondRunning, "", msg)
	a.Report.Canaried, a.Report.Message = true, msg
	return a
}

// run runs step i of steps; for prepare, steps holds prepare alone (the
// plan is not known yet) and its Done report does not complete.
func run(in WorkerInput, i int, steps []Step) WorkerAction {
	st := steps[i]
	a := report(in, WorkerRun, i, model.CondRunning, st.Name, st.Name)
	a.Step = &st
	done := *a.Report
	done.Step = i + 1
	if done.Step == len(steps) && st.Kind != StepPrepare {
		// As WorkerComplete would report in the next decision.
		done.StepName, done.Cond = "", model.CondCompleted
	}
	a.Done = &done
	return a
}

func skip(in WorkerInput, i int, st Step, reason string) WorkerAction {
	a := report(in, WorkerSkip, i+1, model.CondRunning, st.Name, reason)
	a.StepIndex, a.Step = i, &st
	return a
}

func abort(in WorkerInput, i int, reason string) WorkerAction {
	a := report(in, WorkerAbort, i, model.CondAborted, "", reason)
	a.Report.Message = reason
	return a
}

// report builds an action whose report says finished steps, cond and name.
func report(in WorkerInput, kind WorkerActionKind, finished int, cond model.Cond, name, reason string) WorkerAction {
	cur := in.Snapshot.Current
	return WorkerAction{Kind: kind, StepIndex: finished, Reason: reason, Report: &model.WorkerStatus{
		ID: cur.ID, Version: cur.Version, Step: finished, StepName: name, Cond: cond, UpdatedAt: in.Now,
	}}
}
