package storage

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	clientv3 "go.etcd.io/etcd/client/v3"

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

// txnBytes records the size of each transaction's response.
type txnBytes struct {
	clientv3.KV
	sizes *[]int
}

func (k txnBytes) Txn(ctx context.Context) clientv3.Txn {
	return sizedTxn{Txn: k.KV.Txn(ctx), sizes: k.sizes}
}

type sizedTxn struct {
	clientv3.Txn
	sizes *[]int
}

func (t sizedTxn) Then(ops ...clientv3.Op) clientv3.Txn {
	return sizedTxn{Txn: t.Txn.Then(ops...), sizes: t.sizes}
}

func (t sizedTxn) Commit() (*clientv3.TxnResponse, error) {
	resp, err := t.Txn.Commit()
	if resp != nil {
		*t.sizes = append(*t.sizes, (*pb.TxnResponse)(resp).Size())
	}
	return resp, err
}

// TestWorkerSnapshotHoldsLargeValues: status/current and the history
// entries list every server; a worker's next snapshot has etcd send them
// again only when they changed, and still sees every change: a new value,
// a deletion, a key written again, the history entry appearing.
func TestWorkerSnapshotHoldsLargeValues(t *testing.T) {
	s, c := newStorage(t)
	var sizes []int
	c.KV = txnBytes{KV: c.KV, sizes: &sizes}
	ctx := testContext(t)
	big := update(7)
	big.Servers = make([]int, 1000)
	for i := range big.Servers {
		big.Servers[i] = i
	}
	snapshot := func(what string) model.Snapshot {
		t.Helper()
		got, err := s.WorkerSnapshot(ctx, WorkerView{LRN: 2, UpdateID: 7})
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return got
	}
	putRaw(t, s, c, map[string]string{"status/current": mustEncode(t, big)})
	if got := snapshot("first"); got.Current == nil || len(got.Current.Servers) != 1000 {
		t.Fatalf("first: current %+v", got.Current)
	}
	first := sizes[len(sizes)-1]
	if got := snapshot("unchanged"); got.Current == nil || len(got.Current.Servers) != 1000 {
		t.Fatalf("unchanged: current %+v", got.Current)
	}
	if again := sizes[len(sizes)-1]; again > first/4 {
		t.Errorf("the unchanged update read again: %d bytes, %d the first time", again, first)
	}
	big.Paused = true
	putRaw(t, s, c, map[string]string{"status/current": mustEncode(t, big)})
	if got := snapshot("changed"); got.Current == nil || !got.Current.Paused {
		t.Fatalf("changed: current %+v", got.Current)
	}
	if _, err := c.Delete(ctx, s.StatusCurrentKey()); err != nil {
		t.Fatal(err)
	}
	if got := snapshot("deleted"); got.Current != nil {
		t.Fatalf("deleted: current %+v", got.Current)
	}
	putRaw(t, s, c, map[string]string{"status/current": mustEncode(t, big), "history/00000000000000000007": mustEncode(t, historyEntry(7, model.ResultCompleted))})
	got := snapshot("written again, ended")
	if got.Current == nil || got.Finished == nil || got.Finished.Result != model.ResultCompleted {
		t.Fatalf("written again: current %+v, finished %+v", got.Current, got.Finished)
	}
	if got := snapshot("ended, unchanged"); got.Current == nil || got.Finished == nil {
		t.Fatalf("ended, unchanged: current %+v, finished %+v", got.Current, got.Finished)
	}
}
