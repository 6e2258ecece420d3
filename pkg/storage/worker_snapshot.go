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
	// UpdateID is the update the worker saw last. The history entries of
	// it and of the next one (decide numbers updates consecutively) are
	// read in the same transaction; when status/current names another
	// update, its entry costs a second read.
	UpdateID int64
}

// WorkerSnapshot reads, as of one etcd revision, what a worker decides
// from: status/current and its history entry, status/barrier,
// status/turns, the worker's own report (or every report, with Peers),
// contents/ and config/ (with the secrets s names) and info/gate.
// Everything else of Snapshot is left empty. Undecodable values are
// listed in Invalid, as Snapshot does.
func (s *Storage) WorkerSnapshot(ctx context.Context, v WorkerView) (model.Snapshot, error) {
	reports := clientv3.OpGet(s.WorkerStatusKey(v.LRN))
	if v.Peers {
		reports = clientv3.OpGet(s.WorkerStatusPrefix(), clientv3.WithPrefix())
	}
	ops := []clientv3.Op{
		clientv3.OpGet(s.StatusCurrentKey()),
		clientv3.OpGet(s.StatusBarrierKey()),
		clientv3.OpGet(s.StatusTurnsKey()),
		reports,
		clientv3.OpGet(s.ContentPrefix(), clientv3.WithPrefix()),
		clientv3.OpGet(s.ConfigPrefix(), clientv3.WithPrefix()),
		clientv3.OpGet(s.InfoGateKey()),
	}
	guesses := 0
	if v.UpdateID > 0 {
		guesses = 2
		ops = append(ops, clientv3.OpGet(s.HistoryKey(v.UpdateID)), clientv3.OpGet(s.HistoryKey(v.UpdateID+1)))
	}
	resp, err := s.client.Txn(ctx).Then(ops...).Commit()
	if err != nil {
		return model.Snapshot{}, fmt.Errorf("worker snapshot %s: %w", s.prefix, err)
	}
	b := newSnapshotBuilder(s, resp.Header.Revision)
	keys := resp.Responses[:len(resp.Responses)-guesses]
	for _, r := range keys {
		for _, kv := range r.GetResponseRange().Kvs {
			b.add(kv)
		}
	}
	if cur := b.snap.Current; cur != nil && guesses > 0 && (cur.ID == v.UpdateID || cur.ID == v.UpdateID+1) {
		// The history entries, now that Current is known.
		b.addHistory(resp.Responses[len(keys)+int(cur.ID-v.UpdateID)].GetResponseRange().Kvs)
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
// barrier and history entry, and the once-step records. The reports are
// left out, the worker's own and the others' (one of which a rolling turn
// watches on its own), and config/, which only the next step reads.
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
