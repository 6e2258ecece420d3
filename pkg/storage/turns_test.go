package storage

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/necoship/neco/pkg/model"
)

// TestPutTurnsOnlyForward: a turns record belongs to the stored barrier
// and, within it, never says less than the stored one: fewer servers done
// or fewer turns open would take back turns workers may have taken.
func TestPutTurnsOnlyForward(t *testing.T) {
	s, c := newStorage(t)
	ctx := testContext(t)
	key, _ := campaign(t, s, c)
	if err := s.PutTurns(ctx, key, model.Turns{ID: 5, Step: 1, Open: 1}); !errors.Is(err, ErrNotFound) {
		t.Errorf("no barrier: err = %v, want ErrNotFound", err)
	}
	if err := s.StartUpdate(ctx, key, update(5), model.Barrier{ID: 5, Step: 0, Canary: true}); err != nil {
		t.Fatal(err)
	}
	soak := &model.TurnSoak{Upto: 4, At: t0.Add(time.Minute), After: 2}
	tests := []struct {
		name string
		t    model.Turns
		want error
	}{
		{"of the barrier", model.Turns{ID: 5, Canary: true, Open: 1}, nil},
		{"the same again", model.Turns{ID: 5, Canary: true, Open: 1}, nil},
		{"not the canary phase", model.Turns{ID: 5, Done: 1, Open: 2}, ErrConflict},
		{"another step", model.Turns{ID: 5, Step: 1, Canary: true, Open: 2}, ErrConflict},
		{"another update", model.Turns{ID: 6, Canary: true, Open: 2}, ErrConflict},
		{"more done, a soak ahead", model.Turns{ID: 5, Canary: true, Done: 2, Open: 2, Soak: soak}, nil},
		{"open below done", model.Turns{ID: 5, Canary: true, Done: 2, Open: 1}, ErrInvalid},
		{"fewer done", model.Turns{ID: 5, Canary: true, Done: 1, Open: 3}, ErrConflict},
		{"the soak ended", model.Turns{ID: 5, Canary: true, Done: 2, Open: 4}, nil},
		{"fewer open", model.Turns{ID: 5, Canary: true, Done: 3, Open: 3}, ErrConflict},
	}
	for _, tt := range tests {
		if err := s.PutTurns(ctx, key, tt.t); !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
	// The next barrier takes a record of its own, whatever the last said.
	if err := s.AdvanceBarrier(ctx, key, model.Barrier{ID: 5, Step: 0}); err != nil {
		t.Fatal(err)
	}
	next := model.Turns{ID: 5, Open: 1}
	if err := s.PutTurns(ctx, key, next); err != nil {
		t.Errorf("the next barrier's first record: %v", err)
	}
	snap, err := s.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&next, snap.Turns); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}

// TestPutTurnsReplacesGarbage: a stored record that does not decode says
// nothing a worker could have acted on.
func TestPutTurnsReplacesGarbage(t *testing.T) {
	s, c := newStorage(t)
	ctx := testContext(t)
	key, _ := campaign(t, s, c)
	if err := s.StartUpdate(ctx, key, update(5), model.Barrier{ID: 5}); err != nil {
		t.Fatal(err)
	}
	putRaw(t, s, c, map[string]string{"status/turns": "{"})
	if err := s.PutTurns(ctx, key, model.Turns{ID: 5, Open: 1}); err != nil {
		t.Errorf("over garbage: %v", err)
	}
}
