package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/necoship/neco/pkg/model"
)

// Writes of the workers and the CLI. They are not fenced: each worker owns
// its own keys, and the CLI acts for an operator whether or not an updater
// leader exists. Read-modify-writes are compare-and-swaps on the mod
// revision read, so a concurrent change is ErrConflict, never lost.

// put writes one value.
func (s *Storage) put(ctx context.Context, key, val string) error {
	if _, err := s.client.Put(ctx, key, val); err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	return nil
}

// cas commits ops when every cmp holds, else returns ErrConflict.
func (s *Storage) cas(ctx context.Context, cmps []clientv3.Cmp, ops ...clientv3.Op) error {
	resp, err := s.client.Txn(ctx).If(cmps...).Then(ops...).Commit()
	if err != nil {
		return fmt.Errorf("txn: %w", err)
	}
	if !resp.Succeeded {
		return fmt.Errorf("changed concurrently: %w", ErrConflict)
	}
	return nil
}

// casModRev is the compare of a CAS on key's mod revision (0: absent).
func casModRev(key string, rev int64) []clientv3.Cmp {
	return []clientv3.Cmp{clientv3.Compare(clientv3.ModRevision(key), "=", rev)}
}

// PutWorkerStatus records the report of worker lrn.
func (s *Storage) PutWorkerStatus(ctx context.Context, lrn int, w model.WorkerStatus) error {
	if lrn < 0 {
		return fmt.Errorf("put worker status: lrn %d: %w", lrn, ErrInvalid)
	}
	val, err := encode(w)
	if err != nil {
		return fmt.Errorf("put worker status %d: %w", lrn, err)
	}
	return s.put(ctx, s.WorkerStatusKey(lrn), val)
}

// PutBootserver registers b (neco join); joining again replaces the value.
func (s *Storage) PutBootserver(ctx context.Context, b model.Bootserver) error {
	val, err := encode(b)
	if err != nil {
		return fmt.Errorf("put bootserver: %w", err)
	}
	return s.put(ctx, s.BootserverKey(b.LRN), val)
}

// DeleteBootserver unregisters server lrn (neco leave); ErrNotFound when
// it was not registered. Its worker report and install records stay: they
// are history, and an update in progress still lists the server.
func (s *Storage) DeleteBootserver(ctx context.Context, lrn int) error {
	return s.deleteOne(ctx, s.BootserverKey(lrn))
}

// Recover clears Stop on status/current (neco recover) and returns the
// update as written. act is recorded on the update and, when the update
// already ended, on its history entry, in the same transaction, so
// `neco history` says who resumed it. ErrNotFound when there is no current
// update; ErrConflict when either key changed meanwhile.
func (s *Storage) Recover(ctx context.Context, act model.OperatorAct) (model.Update, error) {
	key := s.StatusCurrentKey()
	u, rev, err := load[model.Update](ctx, s, key)
	if err != nil {
		return model.Update{}, fmt.Errorf("recover: %w", err)
	}
	u.Stop = false
	u.Acts = append(u.Acts, act)
	val, err := encode(u)
	if err != nil {
		return model.Update{}, fmt.Errorf("recover: %w", err)
	}
	cmps, ops := casModRev(key, rev), []clientv3.Op{clientv3.OpPut(key, val)}
	hkey := s.HistoryKey(u.ID)
	h, hrev, err := load[model.HistoryEntry](ctx, s, hkey)
	switch {
	case errors.Is(err, ErrNotFound):
		cmps = append(cmps, clientv3.Compare(clientv3.CreateRevision(hkey), "=", 0))
	case err != nil:
		return model.Update{}, fmt.Errorf("recover: %w", err)
	default:
		h.Acts = append(h.Acts, act)
		hval, err := encode(h)
		if err != nil {
			return model.Update{}, fmt.Errorf("recover: %w", err)
		}
		cmps = append(cmps, casModRev(hkey, hrev)...)
		ops = append(ops, clientv3.OpPut(hkey, hval))
	}
	if err := s.cas(ctx, cmps, ops...); err != nil {
		return model.Update{}, fmt.Errorf("recover update %d: %w", u.ID, err)
	}
	return u, nil
}

// AbortUpdate sets Stop on the running update (neco update abort), records
// act on it (the updater copies it into the history entry it writes) and
// returns it. Workers stop at once; the updater leader then records the
// update as aborted. Aborting a stopped update changes nothing. ErrNotFound
// when there is no current update, ErrConflict when it already ended
// (history/<id> exists), so an abort typed too late is said to be late.
func (s *Storage) AbortUpdate(ctx context.Context, act model.OperatorAct) (model.Update, error) {
	key := s.StatusCurrentKey()
	u, rev, err := load[model.Update](ctx, s, key)
	if err != nil {
		return model.Update{}, fmt.Errorf("abort: %w", err)
	}
	if u.Stop {
		return u, nil
	}
	u.Stop = true
	u.Acts = append(u.Acts, act)
	val, err := encode(u)
	if err != nil {
		return model.Update{}, fmt.Errorf("abort: %w", err)
	}
	hist := s.HistoryKey(u.ID)
	cmps := append(casModRev(key, rev), clientv3.Compare(clientv3.CreateRevision(hist), "=", 0))
	if err := s.cas(ctx, cmps, clientv3.OpPut(key, val)); err != nil {
		if ended, _ := s.exists(ctx, hist); ended {
			return model.Update{}, fmt.Errorf("abort update %d: it already ended: %w", u.ID, ErrConflict)
		}
		return model.Update{}, fmt.Errorf("abort update %d: %w", u.ID, err)
	}
	return u, nil
}

// exists reports whether key is present.
func (s *Storage) exists(ctx context.Context, key string) (bool, error) {
	resp, err := s.client.Get(ctx, key, clientv3.WithCountOnly())
	if err != nil {
		return false, fmt.Errorf("get %s: %w", key, err)
	}
	return resp.Count > 0, nil
}

// ApproveCandidate approves the candidate of version v (neco update
// approve), recording who (user@host) and when, and returns it.
// ErrNotFound when there is no candidate,
// ErrConflict when the candidate is another version: the operator approved
// something they did not see.
func (s *Storage) ApproveCandidate(ctx context.Context, v model.Version, by string, at time.Time) (model.Candidate, error) {
	key := s.InfoCandidateKey()
	c, rev, err := load[model.Candidate](ctx, s, key)
	if err != nil {
		return model.Candidate{}, fmt.Errorf("approve %s: %w", v, err)
	}
	if !c.Version.Equal(v) {
		return model.Candidate{}, fmt.Errorf("approve %s: the candidate is %s: %w", v, c.Version, ErrConflict)
	}
	c.Approved, c.ApprovedBy, c.ApprovedAt = true, by, at
	val, err := encode(c)
	if err != nil {
		return model.Candidate{}, fmt.Errorf("approve %s: %w", v, err)
	}
	if err := s.cas(ctx, casModRev(key, rev), clientv3.OpPut(key, val)); err != nil {
		return model.Candidate{}, fmt.Errorf("approve %s: %w", v, err)
	}
	return c, nil
}
