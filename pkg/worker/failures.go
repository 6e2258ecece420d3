package worker

import "time"

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
