package storage

import (
	"context"
	"errors"
	"fmt"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/necoship/neco/pkg/model"
)

// PutTurns records whose rolling turn is open at the step the barrier
// opened (status/turns), fenced like every write of the updater leader.
// It refuses (ErrConflict) a record of another barrier than the stored
// one, and one behind the stored record of the same barrier: workers may
// already have taken the turns that record opened, so a stale leader
// rewriting less would be ignored at best. A stored record that does not
// decode is replaced.
func (s *Storage) PutTurns(ctx context.Context, leaderKey string, t model.Turns) error {
	val, err := encode(t)
	if err != nil {
		return fmt.Errorf("put turns: %w", err)
	}
	barKey, key := s.StatusBarrierKey(), s.StatusTurnsKey()
	bar, barRev, err := load[model.Barrier](ctx, s, barKey)
	switch {
	case err != nil:
		return fmt.Errorf("put turns of %d/%d: %w", t.ID, t.Step, err)
	case !t.For(bar):
		return fmt.Errorf("put turns of %d/%d (canary %v): the barrier is %d/%d (canary %v): %w",
			t.ID, t.Step, t.Canary, bar.ID, bar.Step, bar.Canary, ErrConflict)
	}
	stored, rev, err := load[model.Turns](ctx, s, key)
	var invalid model.InvalidKey
	switch {
	case errors.Is(err, ErrNotFound), errors.As(err, &invalid):
	case err != nil:
		return fmt.Errorf("put turns of %d/%d: %w", t.ID, t.Step, err)
	case stored.For(bar) && t.Behind(stored):
		return fmt.Errorf("put turns of %d/%d: done %d open %d is behind the stored done %d open %d: %w",
			t.ID, t.Step, t.Done, t.Open, stored.Done, stored.Open, ErrConflict)
	}
	cmps := []clientv3.Cmp{
		clientv3.Compare(clientv3.ModRevision(barKey), "=", barRev),
		clientv3.Compare(clientv3.ModRevision(key), "=", rev),
	}
	if err := s.fenced(ctx, leaderKey, cmps, clientv3.OpPut(key, val)); err != nil {
		return fmt.Errorf("put turns of %d/%d: %w", t.ID, t.Step, err)
	}
	return nil
}
