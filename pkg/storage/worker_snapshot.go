package storage

import (
	"context"
	"fmt"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/necoship/neco/pkg/model"
)

// WorkerView says what WorkerSnapshot reads for one worker.
type WorkerView struct {
	// LRN is the worker's server: its report is always read.
	LRN int
	// Peers reads every server's report, not only LRN's. Only a rolling
	// turn needs them, and they are what grows with the site: a worker
	// reading all N reports for every step would make a step cost N².
	Peers bool
	// UpdateID is the update whose history entry is read in the same
	// transaction: the one the worker saw last. When status/current names
	// another, its entry costs a second read.
	UpdateID int64
}

// WorkerSnapshot reads, as of one etcd revision, what a worker decides
// from: status/current and its history entry, status/barrier, the
// worker's own report (or every report, with Peers), contents/ and
// config/. Everything else of Snapshot is left empty. Undecodable values
// are listed in Invalid, as Snapshot does.
func (s *Storage) WorkerSnapshot(ctx context.Context, v WorkerView) (model.Snapshot, error) {
	reports := clientv3.OpGet(s.WorkerStatusKey(v.LRN))
	if v.Peers {
		reports = clientv3.OpGet(s.WorkerStatusPrefix(), clientv3.WithPrefix())
	}
	ops := []clientv3.Op{
		clientv3.OpGet(s.StatusCurrentKey()),
		clientv3.OpGet(s.StatusBarrierKey()),
		reports,
		clientv3.OpGet(s.ContentPrefix(), clientv3.WithPrefix()),
		clientv3.OpGet(s.ConfigPrefix(), clientv3.WithPrefix()),
	}
	if v.UpdateID > 0 {
		ops = append(ops, clientv3.OpGet(s.HistoryKey(v.UpdateID)))
	}
	resp, err := s.client.Txn(ctx).Then(ops...).Commit()
	if err != nil {
		return model.Snapshot{}, fmt.Errorf("worker snapshot %s: %w", s.prefix, err)
	}
	b := newSnapshotBuilder(s, resp.Header.Revision)
	for i, r := range resp.Responses {
		if i == len(resp.Responses)-1 && v.UpdateID > 0 {
			break // the history entry, once Current is known
		}
		for _, kv := range r.GetResponseRange().Kvs {
			b.add(kv)
		}
	}
	if cur := b.snap.Current; cur != nil && cur.ID == v.UpdateID {
		b.addHistory(resp.Responses[len(resp.Responses)-1].GetResponseRange().Kvs)
		return b.snap, nil
	}
	if err := b.addFinished(ctx); err != nil {
		return model.Snapshot{}, err
	}
	return b.snap, nil
}
