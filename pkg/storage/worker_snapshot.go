package storage

import (
	"context"
	"fmt"

	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/necoship/neco/pkg/model"
)

// WorkerView says what WorkerSnapshot reads for one worker.
type WorkerView struct {
	// LRN is the worker's server: its report is read, no other. The
	// reports are what grows with the site: a worker reading all N for a
	// step would make the step cost N². A rolling turn reads status/turns,
	// which the updater leader computes from them, instead.
	LRN int
	// UpdateID is the update the worker saw last. The history entries of
	// it and of the next one (decide numbers updates consecutively) are
	// read in the same transaction; when status/current names another
	// update, its entry costs a second read.
	UpdateID int64
}

// WorkerSnapshot reads, as of one etcd revision, what a worker decides
// from: status/current and its history entry, status/barrier,
// status/turns, the worker's own report, contents/ and config/ (with the
// secrets s names) and info/gate. Everything else of Snapshot is left
// empty. Undecodable values are listed in Invalid, as Snapshot does.
func (s *Storage) WorkerSnapshot(ctx context.Context, v WorkerView) (model.Snapshot, error) {
	ops := []clientv3.Op{
		clientv3.OpGet(s.StatusBarrierKey()),
		clientv3.OpGet(s.StatusTurnsKey()),
		clientv3.OpGet(s.WorkerStatusKey(v.LRN)),
		clientv3.OpGet(s.ContentPrefix(), clientv3.WithPrefix()),
		clientv3.OpGet(s.ConfigPrefix(), clientv3.WithPrefix()),
		clientv3.OpGet(s.InfoGateKey()),
	}
	plain := len(ops)
	// status/current, then the history entries of the update seen last
	// and of the next (decide numbers updates consecutively).
	held := []string{s.StatusCurrentKey()}
	if v.UpdateID > 0 {
		held = append(held, s.HistoryKey(v.UpdateID), s.HistoryKey(v.UpdateID+1))
	}
	reads := make([]heldRead, len(held))
	for i, key := range held {
		r, rops := s.held.read(key, len(ops))
		reads[i], ops = r, append(ops, rops...)
	}
	resp, err := s.client.Txn(ctx).Then(ops...).Commit()
	if err != nil {
		return model.Snapshot{}, fmt.Errorf("worker snapshot %s: %w", s.prefix, err)
	}
	values := s.held.resolve(resp, reads)
	b := newSnapshotBuilder(s, resp.Header.Revision)
	for _, r := range resp.Responses[:plain] {
		for _, kv := range r.GetResponseRange().Kvs {
			b.add(kv)
		}
	}
	if values[0] != nil {
		b.add(values[0])
	}
	if cur := b.snap.Current; cur != nil && v.UpdateID > 0 && (cur.ID == v.UpdateID || cur.ID == v.UpdateID+1) {
		// The history entry, now that Current is known.
		if h := values[1+int(cur.ID-v.UpdateID)]; h != nil {
			b.addHistory([]*mvccpb.KeyValue{h})
		}
	} else if err := b.addFinished(ctx); err != nil {
		return model.Snapshot{}, err
	}
	if err := s.addSecrets(ctx, &b.snap); err != nil {
		return model.Snapshot{}, err
	}
	return b.snap, nil
}

// WorkerWatchTargets are the keys of a WorkerSnapshot that change without
// the worker writing them, and that its decision turns on: the update, its
// barrier and history entry, and the once-step records. Left out are the
// worker's own report, config/, which only the next step reads, and
// status/turns, which changes many times in a rolling step and which only
// a server waiting for its turn watches, on its own.
func (s *Storage) WorkerWatchTargets() []WatchTarget {
	return []WatchTarget{
		{Key: s.StatusCurrentKey()},
		{Key: s.StatusBarrierKey()},
		{Key: s.HistoryPrefix(), Prefix: true},
		{Key: s.ContentPrefix(), Prefix: true},
		// A rolling turn held by the alert gate goes when it opens.
		{Key: s.InfoGateKey()},
	}
}
