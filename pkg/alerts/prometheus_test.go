package alerts

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/necoship/neco/pkg/alerts/alertstest"
)

// The rules: NecoTestGate fires while the scraped gauge is above 0;
// NecoTestPending matches the gate's regexp but stays pending for an
// hour; OtherAlwaysFiring fires from the first evaluation on and does not
// match.
const testRules = `groups:
  - name: neco-test
    rules:
      - alert: NecoTestGate
        expr: test_gate_value > 0
      - alert: NecoTestPending
        expr: vector(1)
        for: 1h
      - alert: OtherAlwaysFiring
        expr: vector(1)
`

// waitFiring polls s until it answers want.
func waitFiring(t *testing.T, s *Source, want []string) {
	t.Helper()
	start := time.Now()
	waitFor(t, 60*time.Second, fmt.Sprintf("firing %v", want), func() (bool, string) {
		got, err := s.Firing(context.Background())
		return err == nil && cmp.Equal(want, got), fmt.Sprintf("%v, %v", got, err)
	})
	t.Logf("firing %v after %s", want, time.Since(start).Round(time.Millisecond))
}

func TestRealPrometheus(t *testing.T) {
	prom := alertstest.Start(t, testRules)
	url, stop := prom.URL, prom.Stop
	// CacheFor of 1ns: each poll asks Prometheus.
	gate := newSource(t, url, Options{Match: regexp.MustCompile(`^NecoTest`), CacheFor: time.Nanosecond})
	all := newSource(t, url, Options{CacheFor: time.Nanosecond})

	// Rules are evaluated once OtherAlwaysFiring fires; the gate, the
	// gauge at 0, sees none: NecoTestPending is only pending.
	waitFiring(t, all, []string{"OtherAlwaysFiring"})
	waitFiring(t, gate, []string{})

	prom.Set(1)
	waitFiring(t, gate, []string{"NecoTestGate"})
	waitFiring(t, all, []string{"NecoTestGate", "OtherAlwaysFiring"})

	prom.Set(0)
	waitFiring(t, gate, []string{})

	stop()
	_, err := gate.Firing(context.Background())
	if !errors.Is(err, ErrUnreachable) {
		t.Errorf("stopped Prometheus: got %v, want ErrUnreachable", err)
	}
	t.Logf("stopped Prometheus: %v", err)
}
