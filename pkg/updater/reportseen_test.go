package updater

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/necoship/neco/pkg/model"
)

// TestReportsSeen: a report is dated when the leader first sees its
// revision, whatever the worker's clock wrote in it; a new revision is
// dated anew, and a report that went away is forgotten.
func TestReportsSeen(t *testing.T) {
	t0 := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	skewed := t0.Add(-time.Hour) // the worker's clock
	snap := func(revs map[int]int64) model.Snapshot {
		s := model.Snapshot{Workers: map[int]model.WorkerStatus{}}
		for lrn, rev := range revs {
			s.Workers[lrn] = model.WorkerStatus{Revision: rev, UpdatedAt: skewed}
		}
		return s
	}
	var r reportsSeen
	steps := []struct {
		now  time.Time
		revs map[int]int64
		want map[int]time.Time
	}{
		{t0, map[int]int64{0: 10, 1: 11}, map[int]time.Time{0: t0, 1: t0}},
		{t0.Add(time.Minute), map[int]int64{0: 10, 1: 12}, map[int]time.Time{0: t0, 1: t0.Add(time.Minute)}},
		{t0.Add(2 * time.Minute), map[int]int64{0: 10}, map[int]time.Time{0: t0}},
		// Server 1's report went away and came back: it is new.
		{t0.Add(3 * time.Minute), map[int]int64{0: 10, 1: 13}, map[int]time.Time{0: t0, 1: t0.Add(3 * time.Minute)}},
	}
	for i, st := range steps {
		if diff := cmp.Diff(st.want, r.at(snap(st.revs), st.now)); diff != "" {
			t.Errorf("round %d (-want +got):\n%s", i, diff)
		}
	}
}
