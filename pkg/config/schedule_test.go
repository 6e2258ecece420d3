package config

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestScheduleNext(t *testing.T) {
	tokyo := mustLocation(t, "Asia/Tokyo")
	tests := []struct {
		name       string
		value      string
		from       time.Time
		wantString []string
		wantNext   []time.Time
	}{
		{name: "weekday mornings in Tokyo",
			value: " 0 3 * * 1-5 ",
			// Friday 04:00 JST: the next weekday 03:00 is Monday.
			from:       time.Date(2026, 11, 20, 4, 0, 0, 0, tokyo),
			wantString: []string{"0 3 * * 1-5"},
			wantNext:   []time.Time{time.Date(2026, 11, 23, 3, 0, 0, 0, tokyo)}},
		{name: "same instant in UTC evaluates in UTC",
			value:      "0 3 * * *",
			from:       time.Date(2026, 11, 20, 4, 0, 0, 0, tokyo).UTC(),
			wantString: []string{"0 3 * * *"},
			wantNext:   []time.Time{time.Date(2026, 11, 20, 3, 0, 0, 0, time.UTC)}},
		{name: "several expressions, leap day",
			value:      "@monthly;0 12 29 2 *",
			from:       time.Date(2027, 3, 15, 0, 0, 0, 0, time.UTC),
			wantString: []string{"@monthly", "0 12 29 2 *"},
			wantNext: []time.Time{
				time.Date(2027, 4, 1, 0, 0, 0, 0, time.UTC),
				time.Date(2028, 2, 29, 12, 0, 0, 0, time.UTC),
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, err := ParseCluster(map[string]string{"release-time": tt.value})
			if err != nil {
				t.Fatal(err)
			}
			var gotString []string
			var gotNext []time.Time
			for _, s := range c.ReleaseTime {
				gotString = append(gotString, s.String())
				gotNext = append(gotNext, s.Next(tt.from))
			}
			if diff := cmp.Diff(tt.wantString, gotString); diff != "" {
				t.Errorf("String() mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantNext, gotNext); diff != "" {
				t.Errorf("Next() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
