package config

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Schedule is one release-time cron expression. It wraps robfig/cron so that
// no other package depends on it.
type Schedule interface {
	// Next returns the first activation after t, in t's location; the
	// caller converts t to the release timezone first. The zero time means
	// none within five years, which ParseCluster has already ruled out.
	Next(t time.Time) time.Time
	// String returns the expression as configured.
	String() string
}

// scheduleHorizonYears bounds the search for a first activation. robfig's
// Next gives up at five years too, so a longer horizon would not help.
const scheduleHorizonYears = 5

type cronSchedule struct {
	expr string
	spec cron.Schedule
}

func (s cronSchedule) Next(t time.Time) time.Time { return s.spec.Next(t) }

func (s cronSchedule) String() string { return s.expr }

// parseSchedules parses a ";"-separated list of standard 5-field cron
// expressions (descriptors such as @daily are accepted too).
func parseSchedules(value string) ([]Schedule, error) {
	parts := strings.Split(value, ";")
	scheds := make([]Schedule, 0, len(parts))
	for i, p := range parts {
		// The first bad expression only: the error stays on the one line
		// that names the key.
		s, err := parseSchedule(strings.TrimSpace(p))
		if err != nil {
			return nil, fmt.Errorf("expression %d: %w", i+1, err)
		}
		scheds = append(scheds, s)
	}
	return scheds, nil
}

func parseSchedule(expr string) (Schedule, error) {
	switch {
	case expr == "":
		return nil, errors.New("empty")
	case strings.HasPrefix(expr, "TZ=") || strings.HasPrefix(expr, "CRON_TZ="):
		// The zone belongs in release-timezone; robfig also panics on
		// "TZ=x" without a following field.
		return nil, fmt.Errorf("%q: TZ= prefix not allowed; set release-timezone instead", expr)
	case strings.HasPrefix(expr, "@every"):
		// @every counts from whenever the updater started: not a window.
		return nil, fmt.Errorf("%q: @every not allowed; want a 5-field cron expression", expr)
	}
	spec, err := cron.ParseStandard(expr)
	if err != nil {
		return nil, fmt.Errorf("%q: %w", expr, err)
	}
	// An expression such as "0 0 30 2 *" (February 30) parses but never
	// fires: as a release window it would block every update forever.
	ref := time.Date(2000, time.January, 1, 0, 0, 0, 0, time.UTC)
	next := spec.Next(ref)
	if next.IsZero() || next.After(ref.AddDate(scheduleHorizonYears, 0, 0)) {
		return nil, fmt.Errorf("%q: never fires", expr)
	}
	return cronSchedule{expr: expr, spec: spec}, nil
}
