package plan

import (
	"fmt"
	"time"
)

// Duration is a time.Duration written as a Go duration string ("60s",
// "5m") in YAML and JSON, so that a stored plan reads like the file.
type Duration struct {
	time.Duration
}

// MarshalText encodes d in time.Duration's String form ("1m0s").
func (d Duration) MarshalText() ([]byte, error) {
	return []byte(d.Duration.String()), nil
}

// UnmarshalText parses a Go duration string. A bare number is refused: "60"
// could mean seconds or nanoseconds.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("want a duration like \"60s\" or \"5m\", got %q", b)
	}
	d.Duration = v
	return nil
}

// checkRange reports a d outside [lo, hi].
func checkRange(d Duration, lo, hi time.Duration) error {
	if d.Duration < lo || d.Duration > hi {
		return fmt.Errorf("must be between %s and %s, got %s", short(lo), short(hi), short(d.Duration))
	}
	return nil
}

// short prints round durations the way people write them ("5m", not
// "5m0s"), so error messages quote the plan's own style.
func short(d time.Duration) string {
	s := d.String()
	for _, unit := range []string{"h0m0s", "m0s"} {
		if len(s) > len(unit) && s[len(s)-len(unit):] == unit {
			return s[:len(s)-len(unit)] + unit[:1]
		}
	}
	return s
}
