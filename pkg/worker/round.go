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
)

// round is one observe-decide-record-run pass.
func (w *Worker) round(ctx context.Context) error {
	if err := w.reap(ctx); err != nil {
		return err
	}
	snap, err := w.Store.Snapshot(ctx)
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	w.log = w.Log
	if cur := snap.Current; cur != nil && snap.Finished == nil {
		w.log = w.Log.With(zap.Int64(keyUpdateID, cur.ID))
	}
	pl, planErr := w.installedPlan(ctx)
	now := w.Now()
	leading := w.Leader.Key() != ""
	w.Metrics.Leading(leading)
	act := decide.NextOps(decide.WorkerInput{
		Snapshot: snap, LRN: w.LRN, Leader: leading, Plan: pl, Now: now,
	})
	if w.job != nil {
		w.superviseJob(snap, act)
		return nil
	}
	if act.Kind != decide.WorkerRun {
		w.Supervisor.Status(act.Reason)
	}
	switch act.Kind {
	case decide.WorkerIdle, decide.WorkerStop:
		w.said.reason(w.log, act)
		return nil
	case decide.WorkerWait:
		return w.waitTurn(ctx, act)
	case decide.WorkerAbort:
		if planErr != nil {
			act.Report.Message += ": " + planErr.Error()
		}
		w.Log.Error("aborting the update", zap.Int64(keyUpdateID, act.Report.ID), zap.String(keyReason, act.Report.Message))
	case decide.WorkerSkip, decide.WorkerComplete:
		w.Log.Info(act.Reason, zap.Int64(keyUpdateID, act.Report.ID), zap.Int(keyStep, act.StepIndex))
	case decide.WorkerRun:
		return w.startStep(ctx, snap, act)
	}
	return w.report(ctx, *act.Report)
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

// waitTurn refreshes the report of a server waiting for its rolling turn
// when what it waits for changed, or every heartbeat, so that waiting is
// not mistaken for a hang.
func (w *Worker) waitTurn(ctx context.Context, act decide.WorkerAction) error {
	now := w.Now()
	if act.Reason == w.said.wait && now.Sub(w.said.waitAt) < w.Heartbeat {
		return nil
	}
	if err := w.report(ctx, *act.Report); err != nil {
		return err
	}
	w.said.wait, w.said.waitAt = act.Reason, now
	w.Log.Info(act.Reason, zap.Int64(keyUpdateID, act.Report.ID), zap.Int(keyStep, act.StepIndex))
	return nil
}

// startStep records that the step starts, then runs it in the background.
// After failures it waits out the retry pause first.
func (w *Worker) startStep(ctx context.Context, snap model.Snapshot, act decide.WorkerAction) error {
	rep := *act.Report
	if !w.failures.mayStart(rep.ID, act.StepIndex, w.Now()) {
		return nil
	}
	cfg, _, err := config.ParseCluster(snap.Config)
	if err != nil {
		return fmt.Errorf("cluster config: %w", err)
	}
	if n := w.failures.count; n > 0 && w.failures.sameStep(rep.ID, act.StepIndex) {
		rep.Message = fmt.Sprintf("attempt %d of %d", n+1, w.Attempts)
	}
	if err := w.report(ctx, rep); err != nil {
		return err
	}
	w.said.wait = ""
	return w.startJob(ctx, snap, cfg, act, rep)
}

func (w *Worker) report(ctx context.Context, r model.WorkerStatus) error {
	if err := w.Store.PutWorkerStatus(ctx, w.LRN, r); err != nil {
		return fmt.Errorf("report step %d of update %d: %w", r.Step, r.ID, err)
	}
	return nil
}
