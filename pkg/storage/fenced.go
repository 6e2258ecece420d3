package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/necoship/neco/pkg/model"
)

// Updater writes are fenced by the leader's own election key, the Key of
// its leader.Term, always on the leader's lease (keys without a lease are
// never leader). The key lives exactly as long as the leader's lease: once
// the session expires or is revoked, etcd deletes it and every fenced write
// fails with ErrNoLeader, even from a process that has not noticed yet.
// This is what makes "one leader" true for writes and not only for
// intentions.

// fenced commits ops when leaderKey still exists and every cmp holds. The
// leader compare guards an inner transaction holding cmps, so a failure
// says which one lost: ErrNoLeader (outer) or ErrConflict (inner).
func (s *Storage) fenced(ctx context.Context, leaderKey string, cmps []clientv3.Cmp, ops ...clientv3.Op) error {
	if !strings.HasPrefix(leaderKey, s.leaderPrefix()) || strings.HasSuffix(leaderKey, "/") {
		return fmt.Errorf("leader key %q: want an election key under %s: %w", leaderKey, s.leaderPrefix(), ErrInvalid)
	}
	resp, err := s.client.Txn(ctx).
		If(clientv3.Compare(clientv3.CreateRevision(leaderKey), ">", 0)).
		Then(clientv3.OpTxn(cmps, ops, nil)).
		Commit()
	if err != nil {
		return fmt.Errorf("txn: %w", err)
	}
	if !resp.Succeeded {
		return fmt.Errorf("leader key %s gone: %w", leaderKey, ErrNoLeader)
	}
	if !resp.Responses[0].GetResponseTxn().Succeeded {
		return fmt.Errorf("changed concurrently: %w", ErrConflict)
	}
	return nil
}

// StartUpdate records the start of update u and its first barrier b in one
// transaction. It refuses (ErrConflict) when status/current already holds
// an id >= u.ID or history/<u.ID> exists, so that no leader, old or new,
// can ever start the same update id twice. While a rollback is requested
// only that rollback may start, and starting it deletes the request: a
// leader that decided on a snapshot older than the request cannot start
// something else first.
func (s *Storage) StartUpdate(ctx context.Context, leaderKey string, u model.Update, b model.Barrier) error {
	if b.ID != u.ID {
		return fmt.Errorf("start update %d: barrier id %d: %w", u.ID, b.ID, ErrInvalid)
	}
	cur, err := encode(u)
	if err != nil {
		return fmt.Errorf("start update: %w", err)
	}
	bar, err := encode(b)
	if err != nil {
		return fmt.Errorf("start update: %w", err)
	}
	curKey := s.StatusCurrentKey()
	stored, rev, err := load[model.Update](ctx, s, curKey)
	switch {
	case errors.Is(err, ErrNotFound):
		rev = 0 // compares equal to the mod revision of an absent key
	case err != nil:
		return fmt.Errorf("start update %d: %w", u.ID, err)
	case stored.ID >= u.ID:
		return fmt.Errorf("start update %d: status/current has id %d: %w", u.ID, stored.ID, ErrConflict)
	}
	reqCmps, reqOps, err := s.rollbackGuard(ctx, u)
	if err != nil {
		return fmt.Errorf("start update %d: %w", u.ID, err)
	}
	cmps := append([]clientv3.Cmp{
		clientv3.Compare(clientv3.ModRevision(curKey), "=", rev),
		clientv3.Compare(clientv3.CreateRevision(s.HistoryKey(u.ID)), "=", 0),
	}, reqCmps...)
	ops := append([]clientv3.Op{clientv3.OpPut(curKey, cur), clientv3.OpPut(s.StatusBarrierKey(), bar)}, reqOps...)
	if err := s.fenced(ctx, leaderKey, cmps, ops...); err != nil {
		return fmt.Errorf("start update %d: %w", u.ID, err)
	}
	return nil
}

// AdvanceBarrier moves the barrier of update b.ID forward to b.Step, or
// out of the canary phase (model.Barrier.Before). A barrier never moves
// back: workers may already have entered the stored step, so a stale
// leader rewriting an older one would be ignored at best.
func (s *Storage) AdvanceBarrier(ctx context.Context, leaderKey string, b model.Barrier) error {
	val, err := encode(b)
	if err != nil {
		return fmt.Errorf("advance barrier: %w", err)
	}
	key := s.StatusBarrierKey()
	stored, rev, err := load[model.Barrier](ctx, s, key)
	switch {
	case err != nil:
		return fmt.Errorf("advance barrier %d/%d: %w", b.ID, b.Step, err)
	case stored.ID != b.ID:
		return fmt.Errorf("advance barrier %d/%d: stored id %d: %w", b.ID, b.Step, stored.ID, ErrConflict)
	case !stored.Before(b):
		return fmt.Errorf("advance barrier %d/%d: stored step %d (canary %v): %w", b.ID, b.Step, stored.Step, stored.Canary, ErrConflict)
	}
	cmps := []clientv3.Cmp{clientv3.Compare(clientv3.ModRevision(key), "=", rev)}
	if err := s.fenced(ctx, leaderKey, cmps, clientv3.OpPut(key, val)); err != nil {
		return fmt.Errorf("advance barrier %d/%d: %w", b.ID, b.Step, err)
	}
	return nil
}

// FinishUpdate records how update cur ended: history/<id> (only if absent:
// history is never rewritten) and the final status/current (for example
// with Stop set) in one transaction. status/current must still hold cur.ID.
func (s *Storage) FinishUpdate(ctx context.Context, leaderKey string, cur model.Update, h model.HistoryEntry) error {
	if h.ID != cur.ID {
		return fmt.Errorf("finish update %d: history id %d: %w", cur.ID, h.ID, ErrInvalid)
	}
	curVal, err := encode(cur)
	if err != nil {
		return fmt.Errorf("finish update: %w", err)
	}
	histVal, err := encode(h)
	if err != nil {
		return fmt.Errorf("finish update: %w", err)
	}
	curKey, histKey := s.StatusCurrentKey(), s.HistoryKey(h.ID)
	stored, rev, err := load[model.Update](ctx, s, curKey)
	switch {
	case err != nil:
		return fmt.Errorf("finish update %d: %w", cur.ID, err)
	case stored.ID != cur.ID:
		return fmt.Errorf("finish update %d: status/current has id %d: %w", cur.ID, stored.ID, ErrConflict)
	}
	cmps := []clientv3.Cmp{
		clientv3.Compare(clientv3.ModRevision(curKey), "=", rev),
		clientv3.Compare(clientv3.CreateRevision(histKey), "=", 0),
	}
	err = s.fenced(ctx, leaderKey, cmps, clientv3.OpPut(histKey, histVal), clientv3.OpPut(curKey, curVal))
	if err != nil {
		return fmt.Errorf("finish update %d: %w", cur.ID, err)
	}
	return nil
}

// PutSeenRelease records the latest release the updater saw.
func (s *Storage) PutSeenRelease(ctx context.Context, leaderKey string, r model.SeenRelease) error {
	val, err := encode(r)
	if err != nil {
		return fmt.Errorf("put seen release: %w", err)
	}
	if err := s.fenced(ctx, leaderKey, nil, clientv3.OpPut(s.InfoReleaseKey(), val)); err != nil {
		return fmt.Errorf("put seen release %s: %w", r.Tag, err)
	}
	return nil
}

// PutReleaseCheck records the outcome of the release checks.
func (s *Storage) PutReleaseCheck(ctx context.Context, leaderKey string, c model.ReleaseCheck) error {
	val, err := encode(c)
	if err != nil {
		return fmt.Errorf("put release check: %w", err)
	}
	if err := s.fenced(ctx, leaderKey, nil, clientv3.OpPut(s.InfoCheckKey(), val)); err != nil {
		return fmt.Errorf("put release check: %w", err)
	}
	return nil
}

// PutPromotion records what the updater leader learned of the pick's
// deployment to require-deployed (info/promotion), when it changes.
func (s *Storage) PutPromotion(ctx context.Context, leaderKey string, p model.Promotion) error {
	val, err := encode(p)
	if err != nil {
		return fmt.Errorf("put promotion: %w", err)
	}
	if err := s.fenced(ctx, leaderKey, nil, clientv3.OpPut(s.PromotionKey(), val)); err != nil {
		return fmt.Errorf("put promotion of %s: %w", p.Tag, err)
	}
	return nil
}

// PutGateState records the alert gate's state (info/gate); the updater
// leader writes it when the state changes.
func (s *Storage) PutGateState(ctx context.Context, leaderKey string, g model.GateState) error {
	val, err := encode(g)
	if err != nil {
		return fmt.Errorf("put gate state: %w", err)
	}
	if err := s.fenced(ctx, leaderKey, nil, clientv3.OpPut(s.InfoGateKey(), val)); err != nil {
		return fmt.Errorf("put gate state: %w", err)
	}
	return nil
}

// PutCandidate records a release waiting for manual approval. It refuses
// (ErrConflict) to replace a candidate of the same version, because that
// could reset an approval the CLI wrote after the leader's last read. A
// stored value that does not decode is replaced.
func (s *Storage) PutCandidate(ctx context.Context, leaderKey string, c model.Candidate) error {
	val, err := encode(c)
	if err != nil {
		return fmt.Errorf("put candidate: %w", err)
	}
	key := s.InfoCandidateKey()
	stored, rev, err := load[model.Candidate](ctx, s, key)
	var invalid model.InvalidKey
	switch {
	case errors.Is(err, ErrNotFound), errors.As(err, &invalid):
	case err != nil:
		return fmt.Errorf("put candidate %s: %w", c.Version, err)
	case stored.Version.Equal(c.Version):
		return fmt.Errorf("put candidate %s: already the candidate: %w", c.Version, ErrConflict)
	}
	cmps := []clientv3.Cmp{clientv3.Compare(clientv3.ModRevision(key), "=", rev)}
	if err := s.fenced(ctx, leaderKey, cmps, clientv3.OpPut(key, val)); err != nil {
		return fmt.Errorf("put candidate %s: %w", c.Version, err)
	}
	return nil
}

// DeleteCandidate removes info/candidate, e.g. once its update started.
// Deleting an absent candidate succeeds.
func (s *Storage) DeleteCandidate(ctx context.Context, leaderKey string) error {
	if err := s.fenced(ctx, leaderKey, nil, clientv3.OpDelete(s.InfoCandidateKey())); err != nil {
		return fmt.Errorf("delete candidate: %w", err)
	}
	return nil
}
