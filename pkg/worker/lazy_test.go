package worker

import (
	"context"
	"errors"
	"testing"
)

func TestLazyConnectsOnUseAndRetries(t *testing.T) {
	var connects, closes int
	fail := true
	l := &lazy[int]{
		connect: func(context.Context) (int, error) {
			connects++
			if fail {
				return 0, errors.New("containerd not up yet")
			}
			return 42, nil
		},
		close: func(int) { closes++ },
	}
	l.Close() // never connected: nothing to close
	if _, err := l.get(context.Background()); err == nil {
		t.Fatal("a failed connect was not returned")
	}
	fail = false
	for range 2 {
		if v, err := l.get(context.Background()); err != nil || v != 42 {
			t.Fatalf("get = %d, %v", v, err)
		}
	}
	l.Close()
	if connects != 2 || closes != 1 {
		t.Errorf("connects = %d, closes = %d; want a retry after the failure, then one connection closed once", connects, closes)
	}
}
