package worker

import (
	"slices"
	"sync"

	"github.com/necoship/neco/pkg/model"
)

// notes are what this worker did in one update beyond the plan
// (model.WorkerStatus.Notes). They live in the reports, not only in
// memory: a worker that restarts mid-update takes them back from its own
// report, so that what the killed process repaired is still said at the
// end. The running op adds to them while the loop and the progress writer
// report, hence the lock.
type notes struct {
	mu    sync.Mutex
	id    int64 // the update they belong to
	lines []string
}

// add records line for update id, once; the notes of an earlier update
// are dropped.
func (n *notes) add(id int64, line string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.id != id {
		n.id, n.lines = id, nil
	}
	if !slices.Contains(n.lines, line) {
		n.lines = append(n.lines, line)
	}
}

// resume takes the notes of the worker's own last report back, unless
// this process already keeps notes of that update.
func (n *notes) resume(mine model.WorkerStatus) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if mine.ID != 0 && n.id != mine.ID {
		n.id, n.lines = mine.ID, slices.Clone(mine.Notes)
	}
}

// attach sets r's notes to those of r's update.
func (n *notes) attach(r *model.WorkerStatus) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.id == r.ID && len(n.lines) > 0 {
		r.Notes = slices.Clone(n.lines)
	}
}
