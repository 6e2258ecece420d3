package backoff

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"
)

func TestExponentialDelay(t *testing.T) {
	e := Exponential{Base: time.Second, Max: 30 * time.Second}
	tests := []struct {
		n        int
		min, max time.Duration
	}{
		{0, 500 * time.Millisecond, time.Second},
		{1, time.Second, 2 * time.Second},
		{3, 4 * time.Second, 8 * time.Second},
		{5, 15 * time.Second, 30 * time.Second}, // 32s capped at 30s
		{math.MaxInt, 15 * time.Second, 30 * time.Second},
	}
	for _, tt := range tests {
		for range 200 {
			if d := e.Delay(tt.n); d < tt.min || d > tt.max {
				t.Fatalf("Delay(%d) = %s, want in [%s, %s]", tt.n, d, tt.min, tt.max)
			}
		}
	}
}

func TestSleep(t *testing.T) {
	if err := Sleep(context.Background(), time.Millisecond); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("Sleep on a cancelled ctx = %v", err)
	}
}
