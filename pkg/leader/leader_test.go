package leader

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestLeader(t *testing.T) {
	g := newGroup(t, 2*time.Second)
	ctx := context.Background()
	// The election key works with and without its trailing slash.
	keys := []string{g.key, strings.TrimSuffix(g.key, "/")}
	wantLeader := func(want string) {
		t.Helper()
		for _, k := range keys {
			got, err := Leader(ctx, g.client, k)
			if err != nil || got != want {
				t.Errorf("Leader(%q) = %q, %v; want %q", k, got, err, want)
			}
		}
	}

	if _, err := Leader(ctx, g.client, g.key); !errors.Is(err, ErrNoLeader) {
		t.Errorf("Leader before any candidate: %v, want ErrNoLeader", err)
	}
	a := g.start("a", holdUntilDone)
	g.nextTerm(5 * time.Second)
	wantLeader("a")

	b := g.start("b", holdUntilDone)
	wantLeader("a") // a follower does not take over by campaigning
	if err := a.stop(t); err == nil {
		t.Error("Run returned nil after cancel")
	}
	if h := g.nextTerm(5 * time.Second); h.by != b {
		t.Fatalf("term won by %s, want b", h.by.name)
	}
	wantLeader("b")

	if err := b.stop(t); err == nil {
		t.Error("Run returned nil after cancel")
	}
	if _, err := Leader(ctx, g.client, g.key); !errors.Is(err, ErrNoLeader) {
		t.Errorf("Leader after every candidate stopped: %v, want ErrNoLeader", err)
	}
}

func TestLeaderRejectsEmptyKey(t *testing.T) {
	if _, err := Leader(context.Background(), srv.Client(t), "/"); !errors.Is(err, ErrInvalidOptions) {
		t.Errorf("Leader(\"/\") = %v, want ErrInvalidOptions", err)
	}
}
