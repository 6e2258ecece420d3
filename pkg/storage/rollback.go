package storage

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/necoship/neco/pkg/model"
)

// A rollback is asked for by the CLI and started by the updater leader:
// RequestRollback writes request/rollback with the holds of the versions
// left; StartUpdate consumes the request in the transaction that starts
// the rollback, and refuses any other update while one is pending.

// RequestRollback records req and holds in one transaction, as decided on a
// snapshot read at revision atRev. It refuses (ErrConflict) when
// status/current or policy/pin changed after atRev or a request is already
// pending: the checks the operator's request passed were made on what they
// saw.
func (s *Storage) RequestRollback(ctx context.Context, atRev int64, req model.RollbackRequest, holds []model.Hold) error {
	val, err := encode(req)
	if err != nil {
		return fmt.Errorf("request rollback: %w", err)
	}
	ops := []clientv3.Op{clientv3.OpPut(s.RollbackRequestKey(), val)}
	for _, h := range holds {
		hv, err := encode(h)
		if err != nil {
			return fmt.Errorf("request rollback: hold: %w", err)
		}
		ops = append(ops, clientv3.OpPut(s.HoldKey(h.Version), hv))
	}
	cmps := []clientv3.Cmp{
		clientv3.Compare(clientv3.ModRevision(s.StatusCurrentKey()), "<", atRev+1),
		clientv3.Compare(clientv3.ModRevision(s.PinKey()), "<", atRev+1),
		clientv3.Compare(clientv3.CreateRevision(s.RollbackRequestKey()), "=", 0),
	}
	if err := s.cas(ctx, cmps, ops...); err != nil {
		return fmt.Errorf("request rollback to %s: %w", req.Version, err)
	}
	return nil
}

// RequestAutoRollback is the updater leader's own rollback request (config
// on-failure rollback): req and the hold of the failed version, fenced on
// the leader's key, written only if status/current did not change after
// the revision atRev the leader decided on and no request is pending. The
// next decision starts it as any request.
func (s *Storage) RequestAutoRollback(ctx context.Context, leaderKey string, atRev int64, req model.RollbackRequest, hold model.Hold) error {
	rv, err := encode(req)
	if err != nil {
		return fmt.Errorf("request automatic rollback: %w", err)
	}
	hv, err := encode(hold)
	if err != nil {
		return fmt.Errorf("request automatic rollback: hold: %w", err)
	}
	cmps := []clientv3.Cmp{
		clientv3.Compare(clientv3.ModRevision(s.StatusCurrentKey()), "<", atRev+1),
		clientv3.Compare(clientv3.CreateRevision(s.RollbackRequestKey()), "=", 0),
	}
	err = s.fenced(ctx, leaderKey, cmps, clientv3.OpPut(s.RollbackRequestKey(), rv), clientv3.OpPut(s.HoldKey(hold.Version), hv))
	if err != nil {
		return fmt.Errorf("request automatic rollback to %s: %w", req.Version, err)
	}
	return nil
}

// irreversibleOf reads the irreversible runs of version v at revision rev.
func (s *Storage) irreversibleOf(ctx context.Context, v model.Version, rev int64) ([]model.IrreversibleRun, []model.InvalidKey, error) {
	dir := s.IrreversiblePrefix() + v.String() + "/"
	resp, err := s.client.Get(ctx, dir, clientv3.WithPrefix(), clientv3.WithRev(rev))
	if err != nil {
		return nil, nil, fmt.Errorf("get %s at %d: %w", dir, rev, err)
	}
	return s.decodeRuns(resp.Kvs)
}

// rollbackGuard returns the compares and ops StartUpdate adds for the
// rollback request: none when no request is pending; when one is, u must be
// that rollback, and starting it deletes the request.
func (s *Storage) rollbackGuard(ctx context.Context, u model.Update) ([]clientv3.Cmp, []clientv3.Op, error) {
	key := s.RollbackRequestKey()
	req, rev, err := load[model.RollbackRequest](ctx, s, key)
	switch {
	case errors.Is(err, ErrNotFound):
		return []clientv3.Cmp{clientv3.Compare(clientv3.CreateRevision(key), "=", 0)}, nil, nil
	case err != nil:
		// Garbage blocks updates rather than being silently dropped:
		// the snapshot lists it and an operator decides.
		return nil, nil, err
	case u.Reason != model.ReasonRollback || !req.Version.Equal(u.Version):
		return nil, nil, fmt.Errorf("a rollback to %s is requested: %w", req.Version, ErrConflict)
	}
	return casModRev(key, rev), []clientv3.Op{clientv3.OpDelete(key)}, nil
}

// IrreversibleRuns returns every irreversible once-step that ever began,
// sorted by version then name. Records that do not decode, or whose value
// disagrees with their key, are returned as invalid keys.
func (s *Storage) IrreversibleRuns(ctx context.Context) ([]model.IrreversibleRun, []model.InvalidKey, error) {
	dir := s.IrreversiblePrefix()
	resp, err := s.client.Get(ctx, dir, clientv3.WithPrefix())
	if err != nil {
		return nil, nil, fmt.Errorf("get %s: %w", dir, err)
	}
	return s.decodeRuns(resp.Kvs)
}

// decodeRuns decodes irreversible records, sorted by version then name;
// those that do not decode or disagree with their key are invalid.
func (s *Storage) decodeRuns(kvs []*mvccpb.KeyValue) ([]model.IrreversibleRun, []model.InvalidKey, error) {
	dir := s.IrreversiblePrefix()
	var (
		runs    []model.IrreversibleRun
		invalid []model.InvalidKey
	)
	for _, kv := range kvs {
		r, err := decode[model.IrreversibleRun](kv.Value)
		if err == nil && s.IrreversibleKey(r.Version, r.Name) != string(kv.Key) {
			err = fmt.Errorf("%s of %s: key says %s", r.Name, r.Version, strings.TrimPrefix(string(kv.Key), dir))
		}
		if err != nil {
			invalid = append(invalid, model.InvalidKey{Key: string(kv.Key), Err: err})
			continue
		}
		runs = append(runs, r)
	}
	slices.SortFunc(runs, model.IrreversibleRun.Compare)
	return runs, invalid, nil
}
