package worker

import (
	"context"
	"fmt"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/necoship/neco/pkg/model"
)

// progress reports a running step: that it started, once it has run for
// the worker's ProgressDelay; the command it has been running that long;
// and a heartbeat so that a long pull is not mistaken for a hang.
type progress struct {
	w       *Worker
	log     *zap.Logger   // the job's
	changed chan struct{} // a new command; never blocks the op
	mu      sync.Mutex
	report  model.WorkerStatus
}

func newProgress(w *Worker, rep model.WorkerStatus, log *zap.Logger) *progress {
	return &progress{w: w, log: log, report: rep, changed: make(chan struct{}, 1)}
}

// say tells that the op runs command msg now: the watchdog's status at
// once, the report once it has run for ProgressDelay.
func (p *progress) say(msg string) {
	p.mu.Lock()
	p.report.Message = msg
	p.mu.Unlock()
	p.w.Supervisor.Status(fmt.Sprintf("update %d step %d (%s): %s", p.report.ID, p.report.Step, p.report.StepName, msg))
	select {
	case p.changed <- struct{}{}:
	default: // the writer has not taken the last one yet; it reads the latest
	}
}

// start writes the report in the background until the returned stop.
func (p *progress) start(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { p.run(ctx) })
	return func() { cancel(); wg.Wait() }
}

func (p *progress) run(ctx context.Context) {
	beat := time.NewTicker(p.w.Heartbeat)
	defer beat.Stop()
	delay := time.NewTimer(p.w.ProgressDelay) // the start of the step
	defer delay.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-p.changed:
			delay.Reset(p.w.ProgressDelay)
		case <-delay.C:
			p.write(ctx)
		case <-beat.C:
			p.write(ctx)
		}
	}
}

func (p *progress) write(ctx context.Context) {
	p.mu.Lock()
	p.report.UpdatedAt = p.w.Now()
	rep := p.report
	p.mu.Unlock()
	p.w.notes.attach(&rep)
	if err := p.w.Store.PutWorkerStatus(ctx, p.w.LRN, rep); err != nil && ctx.Err() == nil {
		p.log.Warn("progress report failed", zap.Error(err))
	}
}
