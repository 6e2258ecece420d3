package storage

import (
	"context"
	"fmt"

	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/necoship/neco/pkg/model"
)

// Snapshot reads everything the decisions need as of one etcd revision.
//
// The ranges are read in one transaction, which etcd serves at a single
// revision; the history entry of the current update is then read pinned to
// that revision. install/, leader/ and the rest of history/ are not read:
// they grow with servers and time and no decision needs them.
//
// A value that does not decode or validate is left out and listed in
// Invalid with its full key; it never fails the whole snapshot. Secrets
// are in Config only when s names them (WithSecrets).
func (s *Storage) Snapshot(ctx context.Context) (model.Snapshot, error) {
	ranges := s.snapshotRanges()
	ops := make([]clientv3.Op, len(ranges))
	for i, p := range ranges {
		ops[i] = clientv3.OpGet(p, clientv3.WithPrefix())
	}
	resp, err := s.client.Txn(ctx).Then(ops...).Commit()
	if err != nil {
		return model.Snapshot{}, fmt.Errorf("snapshot %s: %w", s.prefix, err)
	}
	b := newSnapshotBuilder(s, resp.Header.Revision)
	for _, r := range resp.Responses {
		for _, kv := range r.GetResponseRange().Kvs {
			b.add(kv)
		}
	}
	if err := b.addFinished(ctx); err != nil {
		return model.Snapshot{}, err
	}
	if err := b.addIrreversible(ctx); err != nil {
		return model.Snapshot{}, err
	}
	if err := s.addSecrets(ctx, &b.snap); err != nil {
		return model.Snapshot{}, err
	}
	return b.snap, nil
}

// addIrreversible reads the irreversible runs of Current's version at the
// snapshot's revision: the updater's automatic rollback must not go past
// them. The rest of irreversible/ grows with time and is not read.
func (b *snapshotBuilder) addIrreversible(ctx context.Context) error {
	if b.snap.Current == nil {
		return nil
	}
	runs, invalid, err := b.s.irreversibleOf(ctx, b.snap.Current.Version, b.snap.Revision)
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	b.snap.Irreversible = runs
	b.snap.Invalid = append(b.snap.Invalid, invalid...)
	return nil
}

func (s *Storage) snapshotRanges() []string {
	return []string{s.BootserverPrefix(), s.ConfigPrefix(), s.ContentPrefix(), s.InfoPrefix(), s.statusPrefix(), s.PolicyPrefix(), s.RequestPrefix()}
}

// SnapshotWatchTargets are the keys a Snapshot reads, for a loop that
// decides on snapshots to watch: history/ stands for the entry of the
// current update. install/ and leader/ are left out; workers write install/
// N times an update, and no decision reads it.
func (s *Storage) SnapshotWatchTargets() []WatchTarget {
	var out []WatchTarget
	for _, p := range append(s.snapshotRanges(), s.HistoryPrefix()) {
		out = append(out, WatchTarget{Key: p, Prefix: true})
	}
	return out
}

// snapshotBuilder fills one Snapshot from the key-values read.
type snapshotBuilder struct {
	s    *Storage
	snap model.Snapshot
}

func newSnapshotBuilder(s *Storage, rev int64) *snapshotBuilder {
	return &snapshotBuilder{s: s, snap: model.Snapshot{
		Revision:    rev,
		Bootservers: map[int]model.Bootserver{},
		Config:      map[string]string{},
		Workers:     map[int]model.WorkerStatus{},
		Contents:    map[string]model.Content{},
		Holds:       map[string]model.Hold{},
	}}
}

// add decodes one key-value into the snapshot, or records it as invalid.
func (b *snapshotBuilder) add(kv *mvccpb.KeyValue) {
	pk, err := b.s.parseKey(string(kv.Key))
	if err == nil {
		err = b.decode(pk, kv.Value)
	}
	switch {
	case err != nil:
	case pk.kind == kindCheckRequest:
		b.snap.CheckRequest.Revision = kv.ModRevision
	case pk.kind == kindWorker:
		w := b.snap.Workers[pk.lrn]
		w.Revision = kv.ModRevision
		b.snap.Workers[pk.lrn] = w
	}
	if err != nil {
		b.snap.Invalid = append(b.snap.Invalid, model.InvalidKey{Key: string(kv.Key), Err: err})
	}
}

func (b *snapshotBuilder) decode(pk parsedKey, raw []byte) error {
	switch pk.kind {
	case kindBootserver:
		v, err := decodeBootserver(pk.lrn, raw)
		if err != nil {
			return err
		}
		b.snap.Bootservers[pk.lrn] = v
	case kindConfig:
		b.snap.Config[pk.name] = string(raw)
	case kindContent:
		return decodeEntry(raw, b.snap.Contents, pk.name)
	case kindWorker:
		return decodeEntry(raw, b.snap.Workers, pk.lrn)
	case kindSeen:
		return decodePtr(raw, &b.snap.Seen)
	case kindCandidate:
		return decodePtr(raw, &b.snap.Candidate)
	case kindCheck:
		return decodePtr(raw, &b.snap.Check)
	case kindGate:
		return decodePtr(raw, &b.snap.Gate)
	case kindCurrent:
		return decodePtr(raw, &b.snap.Current)
	case kindBarrier:
		return decodePtr(raw, &b.snap.Barrier)
	case kindTurns:
		return decodePtr(raw, &b.snap.Turns)
	case kindPin:
		return decodePtr(raw, &b.snap.Pin)
	case kindRollback:
		return decodePtr(raw, &b.snap.Rollback)
	case kindCheckRequest:
		return decodePtr(raw, &b.snap.CheckRequest)
	case kindPromotion:
		return decodePtr(raw, &b.snap.Promotion)
	case kindHold:
		h, err := decode[model.Hold](raw)
		if err != nil {
			return err
		}
		if h.Version.String() != pk.name {
			return fmt.Errorf("version %s: key says %s", h.Version, pk.name)
		}
		b.snap.Holds[pk.name] = h
	}
	return nil
}

// addFinished reads the history entry of Current, at the snapshot's
// revision so that Current and Finished agree.
func (b *snapshotBuilder) addFinished(ctx context.Context) error {
	if b.snap.Current == nil {
		return nil
	}
	key := b.s.HistoryKey(b.snap.Current.ID)
	resp, err := b.s.client.Get(ctx, key, clientv3.WithRev(b.snap.Revision))
	if err != nil {
		return fmt.Errorf("snapshot %s at %d: %w", key, b.snap.Revision, err)
	}
	b.addHistory(resp.Kvs)
	return nil
}

// addHistory sets Finished from the history entry of Current, read at the
// snapshot's revision; kvs is empty while Current runs.
func (b *snapshotBuilder) addHistory(kvs []*mvccpb.KeyValue) {
	if len(kvs) == 0 {
		return
	}
	h, err := b.s.decodeHistory(kvs[0])
	if err != nil {
		b.snap.Invalid = append(b.snap.Invalid, model.InvalidKey{Key: string(kvs[0].Key), Err: err})
		return
	}
	b.snap.Finished = &h
}

// decodePtr sets *dst to the decoded value, leaving it nil on error.
func decodePtr[T any](raw []byte, dst **T) error {
	v, err := decode[T](raw)
	if err != nil {
		return err
	}
	*dst = &v
	return nil
}

// decodeEntry sets m[k] to the decoded value, leaving m alone on error.
func decodeEntry[K comparable, T any](raw []byte, m map[K]T, k K) error {
	v, err := decode[T](raw)
	if err != nil {
		return err
	}
	m[k] = v
	return nil
}
