package releases

import (
	"net/http"
	"testing"
	"time"
)

func TestSourceSkew(t *testing.T) {
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name, date string
		want       time.Duration
	}{
		{"none", "", 0},
		{"unparseable", "yesterday", 0},
		{"ahead", now.Add(10 * time.Minute).Format(http.TimeFormat), 10 * time.Minute},
		{"behind", now.Add(-2 * time.Hour).Format(http.TimeFormat), -2 * time.Hour},
		{"within the Date header's resolution and the trip", now.Add(4 * time.Second).Format(http.TimeFormat), 0},
	} {
		h := http.Header{}
		if tt.date != "" {
			h.Set("Date", tt.date)
		}
		if got := sourceSkew(h, now); got != tt.want {
			t.Errorf("%s: sourceSkew = %s, want %s", tt.name, got, tt.want)
		}
	}
}
