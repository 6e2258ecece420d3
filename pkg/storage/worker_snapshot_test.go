package storage

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/necoship/neco/pkg/model"
)

// workerPart is what WorkerSnapshot reads of full: its own report, never
// the others'.
func workerPart(full model.Snapshot, lrn int) model.Snapshot {
	return model.Snapshot{Config: full.Config, Current: full.Current, Finished: full.Finished, Barrier: full.Barrier,
		Turns: full.Turns, Contents: full.Contents, Workers: map[int]model.WorkerStatus{lrn: full.Workers[lrn]}}
}

func TestWorkerSnapshotReadsWhatAWorkerDecidesFrom(t *testing.T) {
	s, c := newStorage(t)
	kvs, full := baseline(t)
	putRaw(t, s, c, kvs)
	for _, tc := range []struct {
		name string
		view WorkerView
	}{
		{"own report, history in the transaction", WorkerView{LRN: 2, UpdateID: 7}},
		{"another server's own report", WorkerView{LRN: 10, UpdateID: 7}},
		{"no update seen yet", WorkerView{LRN: 10}},
		{"the update before seen: the next one's entry in the transaction", WorkerView{LRN: 2, UpdateID: 6}},
		{"an older update seen", WorkerView{LRN: 2, UpdateID: 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.WorkerSnapshot(testContext(t), tc.view)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(workerPart(full, tc.view.LRN), got, snapshotOpts); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
			if len(got.Invalid) != 0 {
				t.Errorf("Invalid: %v", got.Invalid)
			}
		})
	}
}

func TestWorkerSnapshotListsAnUndecodableHistoryEntry(t *testing.T) {
	s, c := newStorage(t)
	kvs, full := baseline(t)
	kvs["history/00000000000000000007"] = "{"
	putRaw(t, s, c, kvs)
	for _, id := range []int64{7, 6, 3} { // read in the transaction (as seen, as next), and after it
		got, err := s.WorkerSnapshot(testContext(t), WorkerView{LRN: 2, UpdateID: id})
		if err != nil {
			t.Fatal(err)
		}
		want := workerPart(full, 2)
		want.Finished = nil
		if diff := cmp.Diff(want, got, snapshotOpts); diff != "" {
			t.Errorf("update %d seen: (-want +got)\n%s", id, diff)
		}
		if len(got.Invalid) != 1 || got.Invalid[0].Key != s.HistoryKey(7) {
			t.Errorf("update %d seen: Invalid %v, want %s", id, got.Invalid, s.HistoryKey(7))
		}
	}
}
