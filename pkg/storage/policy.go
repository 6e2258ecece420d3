package storage

import (
	"context"
	"fmt"

	"github.com/necoship/neco/pkg/model"
)

// Holds and the pin are the operator's policy (neco hold, neco pin): the
// updater only reads them. Their writes are not fenced, like every write
// of the CLI, and each is one key.

// PutHold holds h.Version; holding it again replaces the reason.
func (s *Storage) PutHold(ctx context.Context, h model.Hold) error {
	val, err := encode(h)
	if err != nil {
		return fmt.Errorf("put hold: %w", err)
	}
	return s.put(ctx, s.HoldKey(h.Version), val)
}

// DeleteHold releases the hold of v; ErrNotFound when v was not held.
func (s *Storage) DeleteHold(ctx context.Context, v model.Version) error {
	return s.deleteOne(ctx, s.HoldKey(v))
}

// PutPin pins the site to h.Version, replacing any pin.
func (s *Storage) PutPin(ctx context.Context, h model.Hold) error {
	val, err := encode(h)
	if err != nil {
		return fmt.Errorf("put pin: %w", err)
	}
	return s.put(ctx, s.PinKey(), val)
}

// DeletePin unpins the site; ErrNotFound when it was not pinned.
func (s *Storage) DeletePin(ctx context.Context) error {
	return s.deleteOne(ctx, s.PinKey())
}

// deleteOne deletes key; ErrNotFound when it did not exist.
func (s *Storage) deleteOne(ctx context.Context, key string) error {
	resp, err := s.client.Delete(ctx, key)
	if err != nil {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	if resp.Deleted == 0 {
		return fmt.Errorf("delete %s: %w", key, ErrNotFound)
	}
	return nil
}
