package worker

import (
	"context"
	"time"

	"github.com/necoship/neco/pkg/model"
)

// unreported is the report of a finished step that etcd did not take
// (its quorum lost, the server cut off): the step ran, and deciding again
// from the report etcd still holds would run it twice. It is written
// before anything is decided again, retried every unreportedRetry.
type unreported struct {
	report *model.WorkerStatus
	retry  time.Time // when to try again
}

// unreportedRetry is how soon a report etcd refused is tried again: etcd
// comes back by itself, and the next step waits for it.
const unreportedRetry = 2 * time.Second

// keep remembers r, to be written at the next round.
func (u *unreported) keep(r model.WorkerStatus, now time.Time) {
	u.report, u.retry = &r, now.Add(unreportedRetry)
}

// flush writes the kept report, if any, with write; it stays kept when
// that fails.
func (u *unreported) flush(ctx context.Context, now time.Time, write func(context.Context, model.WorkerStatus) error) error {
	if u.report == nil {
		return nil
	}
	if err := write(ctx, *u.report); err != nil {
		u.retry = now.Add(unreportedRetry)
		return err
	}
	*u = unreported{}
	return nil
}

// wakeAt is when the loop must try the kept report again; zero for none.
func (u *unreported) wakeAt() time.Time {
	if u.report == nil {
		return time.Time{}
	}
	return u.retry
}
