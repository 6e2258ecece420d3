package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/necoship/neco/pkg/model"
)

// Once-steps are recorded by the worker leader, in two fenced writes around
// the run: StartContent before (success false), FinishContent after. A
// deposed worker leader can write neither, so two leaders never both
// record, and the record that exists says whether a run may have begun.

// StartContent records that the worker leader leaderKey is about to run
// once-step name for version v, writing {v, success: false}. When a record
// of v already says false (an earlier run that did not finish), it is left
// as it is and StartContent succeeds: the caller decided a rerun is safe.
// A record of v that says success is ErrConflict: the step is done. A
// record of another version, or one that does not decode, is replaced.
//
// An irreversible step also gets irreversible/<v>/<name> in the same
// transaction: contents/<name> is overwritten by the next version, and
// `neco rollback` must still know that v changed what it cannot undo.
func (s *Storage) StartContent(ctx context.Context, leaderKey, name string, v model.Version, irreversible bool) error {
	key, err := s.checkContent(name, v)
	if err != nil {
		return fmt.Errorf("start content: %w", err)
	}
	stored, rev, err := load[model.Content](ctx, s, key)
	var invalid model.InvalidKey
	switch {
	case errors.Is(err, ErrNotFound), errors.As(err, &invalid):
	case err != nil:
		return fmt.Errorf("start content %s: %w", name, err)
	case stored.Version.Equal(v) && stored.Success:
		return fmt.Errorf("start content %s: %s already recorded success: %w", name, v, ErrConflict)
	case stored.Version.Equal(v):
		// Still fenced: only the leader may decide to run it again.
		if err := s.fenced(ctx, leaderKey, casModRev(key, rev)); err != nil {
			return fmt.Errorf("start content %s: %w", name, err)
		}
		return nil
	}
	val, err := encode(model.Content{Version: v})
	if err != nil {
		return fmt.Errorf("start content %s: %w", name, err)
	}
	ops := []clientv3.Op{clientv3.OpPut(key, val)}
	if irreversible {
		run, err := encode(model.IrreversibleRun{Name: name, Version: v, StartedAt: time.Now().UTC().Truncate(time.Second)})
		if err != nil {
			return fmt.Errorf("start content %s: %w", name, err)
		}
		ops = append(ops, clientv3.OpPut(s.IrreversibleKey(v, name), run))
	}
	if err := s.fenced(ctx, leaderKey, casModRev(key, rev), ops...); err != nil {
		return fmt.Errorf("start content %s: %w", name, err)
	}
	return nil
}

// FinishContent records that once-step name succeeded for v. It refuses
// (ErrConflict) unless the stored record is {v, success: false}, the one
// StartContent wrote: a run nobody started cannot be finished.
func (s *Storage) FinishContent(ctx context.Context, leaderKey, name string, v model.Version) error {
	key, err := s.checkContent(name, v)
	if err != nil {
		return fmt.Errorf("finish content: %w", err)
	}
	stored, rev, err := load[model.Content](ctx, s, key)
	if err != nil {
		return fmt.Errorf("finish content %s: %w", name, err)
	}
	if !stored.Version.Equal(v) || stored.Success {
		return fmt.Errorf("finish content %s: recorded %s success=%t, want %s not yet successful: %w",
			name, stored.Version, stored.Success, v, ErrConflict)
	}
	val, err := encode(model.Content{Version: v, Success: true})
	if err != nil {
		return fmt.Errorf("finish content %s: %w", name, err)
	}
	if err := s.fenced(ctx, leaderKey, casModRev(key, rev), clientv3.OpPut(key, val)); err != nil {
		return fmt.Errorf("finish content %s: %w", name, err)
	}
	return nil
}

func (s *Storage) checkContent(name string, v model.Version) (string, error) {
	if err := checkName(name); err != nil {
		return "", fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if v.IsZero() {
		return "", fmt.Errorf("%s: no version: %w", name, ErrInvalid)
	}
	return s.ContentKey(name), nil
}
