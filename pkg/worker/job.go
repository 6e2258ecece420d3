package worker

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/necoship/neco/pkg/config"
	"github.com/necoship/neco/pkg/decide"
	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/op"
)

// Why a job's context was cancelled by the loop.
var (
	errStopped  = errors.New("worker: update stopped")
	errShutdown = errors.New("worker: shutting down")
)

// job is one op running in the background while the loop keeps watching
// etcd, so that a stop interrupts it at once.
type job struct {
	report  model.WorkerStatus // of the running step (progress writes it)
	success model.WorkerStatus // to write when it succeeds
	index   int
	kind    decide.StepKind
	start   time.Time
	ctx     context.Context // its cause says why the loop cancelled it
	cancel  context.CancelCauseFunc
	done    chan struct{}
	err     error // set before done is closed
	// log carries the update, step and step name: the job's lines, from
	// start to result, are found by them whatever round reaps it.
	log *zap.Logger
}

// startJob runs the op of act.Step under its own timeout.
func (w *Worker) startJob(ctx context.Context, snap model.Snapshot, cfg config.Cluster, act decide.WorkerAction, rep model.WorkerStatus) error {
	log := w.Log.With(zap.Int64(keyUpdateID, rep.ID), zap.Int(keyStep, act.StepIndex), zap.String(keyStepName, rep.StepName))
	t := op.Target{Update: *snap.Current, LRN: w.LRN, LeaderKey: w.Leader.Key()}
	inf := w.Infra(cfg)
	inf.Note = func(line string) {
		log.Warn("noted in the report", zap.String(keyNote, line))
		w.notes.add(rep.ID, line)
	}
	o, timeout, err := op.ForStep(*act.Step, t, inf, w.PrepareTimeout)
	if err != nil {
		return w.fail(ctx, log, rep, act.StepIndex, op.Permanent(err))
	}
	jctx, cancel := context.WithCancelCause(ctx)
	j := &job{report: rep, success: *act.Done, index: act.StepIndex, kind: act.Step.Kind, start: w.Now(), ctx: jctx, cancel: cancel,
		done: make(chan struct{}), log: log}
	w.job = j
	log.Info("step started", zap.Duration(keyTimeout, timeout))
	w.Supervisor.Status(fmt.Sprintf("update %d step %d (%s)", rep.ID, act.StepIndex, rep.StepName))
	go func() {
		defer close(j.done)
		p := newProgress(w, rep, log)
		stopBeat := p.start(jctx)
		octx, cancelOp := context.WithTimeout(jctx, timeout)
		j.err = op.Run(octx, o, func(c op.Command) {
			log.Info("running", zap.String(keyCommand, c.Name))
			p.say(c.Name)
		})
		cancelOp()
		stopBeat()
	}()
	return nil
}

// reap records the result of a finished job, and whether it succeeded:
// then its report needs no further decision.
func (w *Worker) reap(ctx context.Context) (succeeded bool, err error) {
	j := w.job
	if j == nil {
		return false, nil
	}
	select {
	case <-j.done:
	default:
		return false, nil
	}
	w.job = nil
	rep := j.report
	cause := context.Cause(j.ctx)
	interrupted := errors.Is(cause, errStopped) || errors.Is(cause, errShutdown)
	if j.err == nil || !(interrupted || errors.Is(j.err, op.ErrRestart)) {
		// Only attempts that ran to a result: an interrupted one says
		// nothing about how long the step takes.
		w.Metrics.StepFinished(string(j.kind), j.err == nil, w.Now().Sub(j.start))
	}
	switch {
	case j.err == nil:
		w.failures = failures{}
		done := j.success
		done.UpdatedAt = w.Now()
		j.log.Info("step finished", zap.String(keyCond, string(done.Cond)))
		if err := w.report(ctx, done); err != nil {
			w.pending.keep(done, w.Now())
			return true, err
		}
		return true, nil
	case errors.Is(j.err, op.ErrRestart):
		j.log.Info("exiting to finish the self-update; systemd starts the new neco-worker")
		return false, op.ErrRestart
	case interrupted:
		j.log.Warn("step interrupted", zap.NamedError(keyReason, cause))
		return false, nil
	}
	return false, w.fail(ctx, j.log, rep, j.index, j.err)
}

// fail records a failed attempt: retried after a pause, unless the error
// is permanent or the attempts are used up, when the worker aborts. Its
// log is the step's (see job.log).
func (w *Worker) fail(ctx context.Context, log *zap.Logger, rep model.WorkerStatus, index int, err error) error {
	now := w.Now()
	n := w.failures.add(rep.ID, index, now.Add(w.RetryPause))
	rep.UpdatedAt = now
	if op.IsPermanent(err) || n >= w.Attempts {
		rep.Cond, rep.Message = model.CondAborted, err.Error()
		log.Error("step failed; aborting the update", zap.Error(err))
		return w.report(ctx, rep)
	}
	rep.Message = fmt.Sprintf("attempt %d of %d failed, retrying in %s: %v", n, w.Attempts, w.RetryPause, err)
	log.Warn("step failed; retrying", zap.Error(err), zap.Duration(keyWait, w.RetryPause))
	return w.report(ctx, rep)
}

// stopJob cancels the running job with cause and waits for it to return.
// Its result is not recorded: the update was stopped, or we are exiting.
func (w *Worker) stopJob(cause error) {
	j := w.job
	if j == nil {
		return
	}
	j.cancel(cause)
	<-j.done
	w.job = nil
	j.log.Info("step interrupted", zap.NamedError(keyReason, cause))
}
