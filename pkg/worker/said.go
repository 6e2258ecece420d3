package worker

import (
	"time"

	"go.uber.org/zap"

	"github.com/necoship/neco/pkg/decide"
)

// Constant log field keys.
const (
	keyUpdateID = "update_id"
	keyStep     = "step"
	keyStepName = "step_name"
	keyCommand  = "command"
	keyReason   = "reason"
	keyAction   = "action"
	keyTimeout  = "timeout"
	keyWait     = "wait"
	keyLRN      = "lrn"
	keyCond     = "cond"
)

// errorRepeatEvery bounds how often one and the same error is logged.
const errorRepeatEvery = time.Minute

// said remembers what the loop last logged and reported, so that a worker
// idling or waiting for its turn does not repeat itself every tick.
type said struct {
	idle      string
	wait      waitKey
	waitAt    time.Time
	lastErr   string
	lastErrAt time.Time
}

// reason logs why the worker does nothing, once per distinct reason.
func (s *said) reason(log *zap.Logger, act decide.WorkerAction) {
	if act.Reason == s.idle {
		return
	}
	s.idle = act.Reason
	log.Info(act.Reason, zap.String(keyAction, string(act.Kind)))
}

// waitKey is what a rolling wait's report says without its details: the
// update and step, and whether for a turn or a soak.
type waitKey struct {
	id   int64
	step int
	soak bool
}

// error logs a failed round; the same message at most once a minute.
func (s *said) error(log *zap.Logger, now time.Time, err error) {
	if msg := err.Error(); msg != s.lastErr || now.Sub(s.lastErrAt) >= errorRepeatEvery {
		s.lastErr, s.lastErrAt = msg, now
		log.Error("worker round failed", zap.Error(err))
	}
}

// failures counts the failed attempts at one step of one update.
type failures struct {
	id    int64
	step  int
	count int
	until time.Time // no new attempt before
}

func (f *failures) sameStep(id int64, step int) bool { return f.id == id && f.step == step }

// add counts a failure of step of update id and returns the count.
func (f *failures) add(id int64, step int, until time.Time) int {
	if !f.sameStep(id, step) {
		*f = failures{id: id, step: step}
	}
	f.count++
	f.until = until
	return f.count
}

// mayStart reports whether the step may be attempted now.
func (f *failures) mayStart(id int64, step int, now time.Time) bool {
	return !f.sameStep(id, step) || !now.Before(f.until)
}
