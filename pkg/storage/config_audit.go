package storage

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/necoship/neco/pkg/model"
)

// Every change of the cluster config leaves a model.ConfigChange under
// audit/config/<id>, written by the transaction that makes the change: a
// change without its record, or a record of a change that did not
// happen, would make the audit trail useless exactly when it is needed.

// configAttempts bounds the retries of a config change that lost a race.
// Changes of any key compete for the next id, so a loss only means that
// another change committed first; a few retries absorb an operator and a
// script at once, and more than that is a fight a caller should see.
const configAttempts = 5

// configTxn is one attempt at a config change: what the transaction must
// still find (cmps), what it does (ops) and the record it leaves, whose
// id and author commitConfigChange fills in.
type configTxn struct {
	change model.ConfigChange
	cmps   []clientv3.Cmp
	ops    []clientv3.Op
}

// commitConfigChange commits the change plan returns together with its
// record audit/config/<last id + 1>, in one transaction that requires the
// record's key to be absent. plan reads the keys it changes anew on each
// attempt and guards them with cmps, so that the record's old value is
// exactly what the change replaced. An error of plan (ErrNotFound: there
// is nothing to change) ends it without writing. ErrConflict after
// configAttempts lost races.
func (s *Storage) commitConfigChange(ctx context.Context, by model.ConfigAuthor,
	plan func(context.Context) (configTxn, error)) (*clientv3.TxnResponse, model.ConfigChange, error) {
	for range configAttempts {
		id, err := s.nextConfigChangeID(ctx)
		if err != nil {
			return nil, model.ConfigChange{}, err
		}
		t, err := plan(ctx)
		if err != nil {
			return nil, model.ConfigChange{}, err
		}
		c := t.change
		c.ID = id
		c.ConfigAuthor = model.ConfigAuthor{By: by.By, EtcdUser: by.EtcdUser, At: by.At.UTC().Truncate(time.Second)}
		if err := c.Validate(); err != nil {
			return nil, model.ConfigChange{}, fmt.Errorf("config change: %w: %w", ErrInvalid, err)
		}
		val, err := encode(c)
		if err != nil {
			return nil, model.ConfigChange{}, fmt.Errorf("config change: %w", err)
		}
		key := s.ConfigAuditKey(id)
		cmps := append(t.cmps, clientv3.Compare(clientv3.CreateRevision(key), "=", 0))
		ops := append(t.ops, clientv3.OpPut(key, val))
		resp, err := s.client.Txn(ctx).If(cmps...).Then(ops...).Commit()
		if err != nil {
			return nil, model.ConfigChange{}, fmt.Errorf("txn: %w", err)
		}
		if resp.Succeeded {
			return resp, c, nil
		}
	}
	return nil, model.ConfigChange{}, fmt.Errorf("changed concurrently %d times: %w", configAttempts, ErrConflict)
}

// nextConfigChangeID is one more than the highest id recorded. It reads
// keys only, all of them rather than the last one: a key of no canonical
// shape (written by hand) sorts anywhere, and must not stop the audit.
// Config changes are rare, so the list stays short.
func (s *Storage) nextConfigChangeID(ctx context.Context) (int64, error) {
	dir := s.ConfigAuditPrefix()
	resp, err := s.client.Get(ctx, dir, clientv3.WithPrefix(), clientv3.WithKeysOnly())
	if err != nil {
		return 0, fmt.Errorf("get %s: %w", dir, err)
	}
	var last int64
	for _, kv := range resp.Kvs {
		if id, err := s.parseConfigAuditKey(string(kv.Key)); err == nil {
			last = max(last, id)
		}
	}
	if last == math.MaxInt64 {
		return 0, fmt.Errorf("config change id: %s holds the largest id", s.ConfigAuditKey(last))
	}
	return last + 1, nil
}

// retractConfigChange deletes record id, committed at rev, because its
// change turned out to change nothing (see DeleteConfig). The compare
// makes sure it is still that record.
func (s *Storage) retractConfigChange(ctx context.Context, id, rev int64) error {
	key := s.ConfigAuditKey(id)
	return s.cas(ctx, casModRev(key, rev), clientv3.OpDelete(key))
}

// deletedCount sums the keys the deletes of a transaction removed.
func deletedCount(resp *clientv3.TxnResponse) int64 {
	var n int64
	for _, r := range resp.Responses {
		if d := r.GetResponseDeleteRange(); d != nil {
			n += d.Deleted
		}
	}
	return n
}

// ListConfigChanges returns the recorded config changes, oldest first:
// all of them, or those of the key name when name is not "". Records that
// do not decode, or whose id does not match their key, are left out and
// returned as invalid keys, whatever name is: their own name is unknown.
func (s *Storage) ListConfigChanges(ctx context.Context, name string) ([]model.ConfigChange, []model.InvalidKey, error) {
	dir := s.ConfigAuditPrefix()
	resp, err := s.client.Get(ctx, dir, clientv3.WithPrefix())
	if err != nil {
		return nil, nil, fmt.Errorf("get %s: %w", dir, err)
	}
	var (
		changes []model.ConfigChange
		invalid []model.InvalidKey
	)
	for _, kv := range resp.Kvs {
		c, err := s.decodeConfigChange(kv)
		switch {
		case err != nil:
			invalid = append(invalid, model.InvalidKey{Key: string(kv.Key), Err: err})
		case name == "" || c.Name == name:
			changes = append(changes, c)
		}
	}
	// Zero-padded ids already come in id order; sorting states the
	// contract instead of relying on the key format.
	slices.SortFunc(changes, func(a, b model.ConfigChange) int { return cmp.Compare(a.ID, b.ID) })
	return changes, invalid, nil
}

// decodeConfigChange decodes a record whose id must match its key.
func (s *Storage) decodeConfigChange(kv *mvccpb.KeyValue) (model.ConfigChange, error) {
	id, err := s.parseConfigAuditKey(string(kv.Key))
	if err != nil {
		return model.ConfigChange{}, err
	}
	c, err := decode[model.ConfigChange](kv.Value)
	if err != nil {
		return model.ConfigChange{}, err
	}
	if err := c.Validate(); err != nil {
		return model.ConfigChange{}, err
	}
	if c.ID != id {
		return model.ConfigChange{}, fmt.Errorf("id %d: key says %d", c.ID, id)
	}
	return c, nil
}

// parseConfigAuditKey returns the id of a record's key. Only the
// zero-padded form ConfigAuditKey writes is accepted, as for history/:
// key order must be id order.
func (s *Storage) parseConfigAuditKey(key string) (int64, error) {
	rest, ok := strings.CutPrefix(key, s.ConfigAuditPrefix())
	if !ok {
		return 0, errors.New("not a config audit key")
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	if err != nil || id <= 0 || s.ConfigAuditKey(id) != key {
		return 0, fmt.Errorf("config change id %q: want %d digits > 0", rest, historyIDWidth)
	}
	return id, nil
}
