package leader

import (
	"testing"
	"time"
)

func TestBackoffGrowsCapsAndResets(t *testing.T) {
	const ms = time.Millisecond
	b := newCyclePause(100*ms, time.Second)
	now := time.Unix(1000, 0)
	// Each pause lies in [d/2, d] for d doubling from min up to max.
	want := []time.Duration{100 * ms, 200 * ms, 400 * ms, 800 * ms, time.Second, time.Second}
	for i, d := range want {
		now = now.Add(d) // the next cycle ends right after the pause
		if got := b.next(now); got < d/2 || got > d {
			t.Errorf("pause %d = %v, want within [%v, %v]", i, got, d/2, d)
		}
	}
	// A cycle long after the last one starts a new series.
	now = now.Add(time.Hour)
	if got := b.next(now); got < 50*ms || got > 100*ms {
		t.Errorf("pause after a quiet hour = %v, want within [50ms, 100ms]", got)
	}
}
