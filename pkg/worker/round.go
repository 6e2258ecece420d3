package worker

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"go.uber.org/zap"

	"github.com/necoship/neco/pkg/config"
	"github.com/necoship/neco/pkg/decide"
	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/plan"
	"github.com/necoship/neco/pkg/storage"
)

// round is one observe-decide-record-run pass. Without decideAgain it
// only records the result of a finished job, unless that needs a decision
// (a failure, or a job that did not finish).
func (w *Worker) round(ctx context.Context, decideAgain bool) error {
	// A step that finished while etcd could not take its report is
	// recorded before anything else: deciding on the report etcd holds
	// would run it again.
	if err := w.pending.flush(ctx, w.Now(), w.report); err != nil {
		return err
	}
	succeeded, err := w.reap(ctx)
	if err != nil || (succeeded && !decideAgain) {
		return err
	}
	d, err := w.decide(ctx)
	if err != nil {
		return err
	}
	snap, act := d.snap, d.act
	w.watches.follow(ctx, snap.Revision, act)
	w.turn.follow(act)
	if w.job != nil {
		w.superviseJob(snap, act)
		return nil
	}
	if act.Kind != decide.WorkerRun {
		w.Supervisor.Status(act.Reason)
	}
	switch act.Kind {
	case decide.WorkerIdle, decide.WorkerStop:
		w.said.Reason(w.log, act.Reason, zap.String(keyAction, string(act.Kind)))
		return nil
	case decide.WorkerWait:
		return w.waitTurn(ctx, act)
	case decide.WorkerAbort:
		w.log.Error("aborting the update", zap.String(keyReason, act.Report.Message))
	case decide.WorkerSkip, decide.WorkerComplete, decide.WorkerReport:
		w.said.Always(w.log, act.Reason, zap.Int(keyStep, act.StepIndex))
	case decide.WorkerRun:
		return w.startStep(ctx, d)
	}
	return w.report(ctx, *act.Report)
}

// decision is one round's snapshot, what decide.NextWorkerAction made of it, and
// the cluster config parsed once from it for both.
type decision struct {
	snap   model.Snapshot
	act    decide.WorkerAction
	cfg    config.Cluster
	cfgErr error
}

// decide reads a snapshot and decides on it once. The snapshot holds
// this server's own report, never the others': a rolling turn reads the
// turns record the updater leader computes from them (status/turns).
func (w *Worker) decide(ctx context.Context) (decision, error) {
	pl, planErr := w.installedPlan(ctx)
	leading := w.Leader.Key() != ""
	w.Metrics.Leading(leading)
	d, in, err := w.observe(ctx, pl, leading)
	if err != nil {
		return decision{}, err
	}
	d.act = decide.NextWorkerAction(in)
	if d.act.Kind == decide.WorkerAbort && planErr != nil {
		// decide only sees that there is no plan; say why.
		d.act.Report.Message += ": " + planErr.Error()
	}
	return d, nil
}

// observe reads a snapshot, parses its cluster config, and starts the
// round's logger: with the update id while an update runs.
func (w *Worker) observe(ctx context.Context, pl *plan.Plan, leading bool) (decision, decide.WorkerInput, error) {
	snap, err := w.Store.WorkerSnapshot(ctx, storage.WorkerView{LRN: w.LRN, UpdateID: w.updateID})
	if err != nil {
		return decision{}, decide.WorkerInput{}, fmt.Errorf("snapshot: %w", err)
	}
	w.seen = snap.Revision
	w.log = w.Log
	if cur := snap.Current; cur != nil {
		w.updateID = cur.ID
		if mine, ok := snap.Workers[w.LRN]; ok && mine.ID == cur.ID {
			w.notes.resume(mine)
		}
		if snap.Finished == nil {
			w.log = w.Log.With(zap.Int64(keyUpdateID, cur.ID))
		}
	}
	// A config that does not parse fails the step that needs it; here
	// it only turns the alert gate off for the rolling turns.
	cfg, _, cfgErr := config.ParseCluster(snap.Config)
	in := decide.WorkerInput{
		Snapshot: snap, LRN: w.LRN, Leader: leading, Plan: pl, Now: w.Now(),
		Gate: cfg.GatePrometheusURL != "",
	}
	return decision{snap: snap, cfg: cfg, cfgErr: cfgErr}, in, nil
}

// installedPlan reads the plan of the installed site package. No plan is
// not an error (nothing installed yet); an unreadable one is returned for
// the abort message, since decide only sees that there is none.
func (w *Worker) installedPlan(ctx context.Context) (*plan.Plan, error) {
	p, err := w.Plans.Load(ctx)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case err != nil:
		return nil, err
	}
	return &p, nil
}

// superviseJob stops the running job when the update was stopped or
// replaced; otherwise the job goes on and its result is reaped later.
func (w *Worker) superviseJob(snap model.Snapshot, act decide.WorkerAction) {
	cur := snap.Current
	switch {
	case act.Kind == decide.WorkerStop:
		w.stopJob(errStopped)
	case cur == nil || cur.ID != w.job.report.ID:
		w.stopJob(fmt.Errorf("%w: update %d replaced it", errStopped, w.job.report.ID))
	}
}

// waitTurn reports a server waiting for its rolling turn when it starts
// waiting and every heartbeat (see turn), so that waiting is not mistaken
// for a hang.
func (w *Worker) waitTurn(ctx context.Context, act decide.WorkerAction) error {
	now := w.Now()
	if !w.turn.reportDue(now, w.Heartbeat) {
		return nil
	}
	if err := w.report(ctx, *act.Report); err != nil {
		return err
	}
	w.turn.wasReported(now)
	w.said.Always(w.log, act.Reason, zap.Int(keyStep, act.StepIndex))
	return nil
}

// startStep runs the step in the background. It is reported once it has
// run for ProgressDelay (most steps end sooner: their Done report is the
// one write they cost), and the updater counts a worker's silence from
// the barrier that opened the step. After failures it waits out the
// retry pause first.
func (w *Worker) startStep(ctx context.Context, d decision) error {
	act := d.act
	rep := *act.Report
	if !w.failures.mayStart(rep.ID, act.StepIndex, w.Now()) {
		return nil
	}
	if d.cfgErr != nil {
		return fmt.Errorf("cluster config: %w", d.cfgErr)
	}
	if n := w.failures.count; n > 0 && w.failures.sameStep(rep.ID, act.StepIndex) {
		rep.Message = fmt.Sprintf("attempt %d of %d", n+1, w.Attempts)
	}
	return w.startJob(ctx, d.snap, d.cfg, act, rep)
}

func (w *Worker) report(ctx context.Context, r model.WorkerStatus) error {
	w.notes.attach(&r)
	if err := w.Store.PutWorkerStatus(ctx, w.LRN, r); err != nil {
		return fmt.Errorf("report step %d of update %d: %w", r.Step, r.ID, err)
	}
	return nil
}
