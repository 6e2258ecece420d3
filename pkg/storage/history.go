package storage

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/necoship/neco/pkg/model"
)

// ListHistory returns every history entry sorted by id, oldest first.
// Entries that do not decode, or whose id does not match their key, are
// left out and returned as invalid keys so `neco history` can show them.
func (s *Storage) ListHistory(ctx context.Context) ([]model.HistoryEntry, []model.InvalidKey, error) {
	dir := s.HistoryPrefix()
	resp, err := s.client.Get(ctx, dir, clientv3.WithPrefix())
	if err != nil {
		return nil, nil, fmt.Errorf("get %s: %w", dir, err)
	}
	var (
		entries []model.HistoryEntry
		invalid []model.InvalidKey
	)
	for _, kv := range resp.Kvs {
		h, err := s.decodeHistory(kv)
		if err != nil {
			invalid = append(invalid, model.InvalidKey{Key: string(kv.Key), Err: err})
			continue
		}
		entries = append(entries, h)
	}
	// Zero-padded ids already come in id order; sorting states the
	// contract instead of relying on the key format.
	slices.SortFunc(entries, func(a, b model.HistoryEntry) int {
		return cmp.Compare(a.ID, b.ID)
	})
	return entries, invalid, nil
}

// decodeHistory decodes a history entry whose id must match its key.
func (s *Storage) decodeHistory(kv *mvccpb.KeyValue) (model.HistoryEntry, error) {
	id, err := s.parseHistoryKey(string(kv.Key))
	if err != nil {
		return model.HistoryEntry{}, err
	}
	h, err := decode[model.HistoryEntry](kv.Value)
	if err != nil {
		return model.HistoryEntry{}, err
	}
	if h.ID != id {
		return model.HistoryEntry{}, fmt.Errorf("id %d: key says %d", h.ID, id)
	}
	return h, nil
}
