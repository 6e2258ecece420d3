package decide

import (
	"strings"
	"time"

	"github.com/necoship/neco/pkg/config"
	"github.com/necoship/neco/pkg/model"
)

// The alert gate (gate-prometheus-url, gate-alerts): while a matching
// alert fires, or Prometheus gives no answer (fail closed), no update
// starts, no rolling turn begins and the canary phase does not end. It is
// a hold, not an abort: whatever runs finishes, nobody times out, and the
// rollout goes on when the gate opens. The updater leader asks Prometheus
// and records the answer in info/gate; decisions read that record, so one
// query serves every server.

// gateRecheck is how long a rolling turn held by the gate waits before
// deciding again without news; a change of info/gate wakes it sooner.
const gateRecheck = time.Minute

// gateHold says why the alert gate holds a rollout now, "" when it does
// not (or no gate is configured: on is false).
func gateHold(on bool, g *model.GateState) string {
	switch {
	case !on:
		return ""
	case g == nil:
		return "the alert gate has no answer from Prometheus yet"
	case g.Error != "":
		return "the alert gate cannot ask Prometheus: " + g.Error
	case len(g.Firing) > 0:
		return "alerts firing: " + strings.Join(g.Firing, ", ")
	}
	return ""
}

// gateOn says whether cfg configures an alert gate.
func gateOn(cfg config.Cluster) bool { return cfg.GatePrometheusURL != "" }
