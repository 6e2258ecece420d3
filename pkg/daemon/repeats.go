package daemon

import (
	"time"

	"go.uber.org/zap"
)

// ErrorRepeatEvery bounds how often a loop logs one and the same error.
const ErrorRepeatEvery = time.Minute

// KeyUpdateID is the log field of the update a loop's round is about; the
// updater and the workers log it under the same name, so that one query
// finds an update's lines on every server.
const KeyUpdateID = "update_id"

// Repeats keeps a loop that decides every few seconds from writing the
// same line every round: why it waits is logged when it changes, and a
// failing round once per message and ErrorRepeatEvery. The zero value is
// ready; one goroutine owns it.
type Repeats struct {
	reason  string
	lastErr string
	errAt   time.Time
}

// Reason logs msg at info unless it was the last reason logged.
func (r *Repeats) Reason(log *zap.Logger, msg string, fields ...zap.Field) {
	if msg == r.reason {
		return
	}
	r.Always(log, msg, fields...)
}

// Always logs msg at info, and remembers it: a Reason equal to it is not
// repeated (an action is logged, then the wait that follows it is not).
func (r *Repeats) Always(log *zap.Logger, msg string, fields ...zap.Field) {
	r.reason = msg
	log.Info(msg, fields...)
}

// Error logs err at error level with msg, the same error at most once per
// ErrorRepeatEvery.
func (r *Repeats) Error(log *zap.Logger, now time.Time, msg string, err error) {
	if e := err.Error(); e != r.lastErr || now.Sub(r.errAt) >= ErrorRepeatEvery {
		r.lastErr, r.errAt = e, now
		log.Error(msg, zap.Error(err))
	}
}
