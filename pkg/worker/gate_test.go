package worker

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/necoship/neco/pkg/alerts/alertstest"
	"github.com/necoship/neco/pkg/model"
)

const gateRules = `groups:
  - name: neco-gate
    rules:
      - alert: NecoTestGate
        expr: test_gate_value > 0
      - alert: SomethingElse
        expr: vector(1)
`

// TestAlertGateHoldsARollingTurn: with a real Prometheus as the alert
// gate, a rolling step goes on while nothing matching fires; once the
// alert fires, the next server's turn waits (and says so), and it goes
// when the alert resolves; a Prometheus that stops answering holds too.
// An alert that does not match gate-alerts never holds.
func TestAlertGateHoldsARollingTurn(t *testing.T) {
	prom := alertstest.Start(t, gateRules)
	s := newSite(t)
	s.setConfig("gate-prometheus-url", prom.URL, "gate-alerts", "NecoTest.*")
	gate := s.heldInRollingRestart("2026.11.23-1", 0, 1)

	prom.Set(1)
	s.waitFor("the alert gate to hold", time.Minute, func(sn model.Snapshot) bool {
		return sn.Gate != nil && slices.Equal(sn.Gate.Firing, []string{"NecoTestGate"})
	})
	close(gate)
	s.waitFor("server 1 to wait for the gate at its turn", time.Minute, func(sn model.Snapshot) bool {
		w := sn.Workers[1]
		return w.Step == 1 && strings.Contains(w.Message, "waits for the alert gate: alerts firing: NecoTestGate")
	})

	prom.Set(0)
	opened := s.waitFor("the alert gate to open", time.Minute, func(sn model.Snapshot) bool {
		return sn.Gate != nil && sn.Gate.Open()
	})
	s.waitEnd(model.ResultCompleted, time.Minute)
	for _, ev := range s.events.of("restart", "etcd.service") {
		if ev.LRN == 1 && ev.Start.Before(opened.Gate.Since) {
			t.Errorf("server 1 restarted at %s, before the gate opened at %s", ev.Start.Format(time.StampMicro), opened.Gate.Since.Format(time.StampMicro))
		}
	}

	prom.Stop()
	s.waitFor("the alert gate to hold on an unreachable Prometheus", time.Minute, func(sn model.Snapshot) bool {
		return sn.Gate != nil && strings.Contains(sn.Gate.Error, "connection refused")
	})
}
