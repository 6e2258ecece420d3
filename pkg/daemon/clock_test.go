package daemon

import (
	"strings"
	"testing"
	"time"
)

func TestClockFromEnv(t *testing.T) {
	for _, tt := range []struct {
		value string
		want  time.Duration
		err   string
	}{
		{"", 0, ""},
		{"5m", 5 * time.Minute, ""},
		{"-90s", -90 * time.Second, ""},
		{"soon", 0, `NECO_TEST_CLOCK_OFFSET="soon": time: invalid duration "soon"`},
	} {
		t.Setenv(ClockOffsetEnv, tt.value)
		now, offset, err := clockFromEnv()
		switch {
		case tt.err != "":
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%q: err %v, want %q", tt.value, err, tt.err)
			}
			continue
		case err != nil || offset != tt.want:
			t.Errorf("%q: offset %s, %v; want %s", tt.value, offset, err, tt.want)
			continue
		}
		if d := time.Until(now()) - tt.want; d < -time.Second || d > time.Second {
			t.Errorf("%q: the clock reads %s from time.Now, want %s", tt.value, time.Until(now()), tt.want)
		}
	}
}
