package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Worker holds neco-worker's series.
type Worker struct {
	steps  *prometheus.HistogramVec
	leader prometheus.Gauge
}

// stepBuckets span a unit restart (1 s) to a long prepare (about 4.5 h).
var stepBuckets = prometheus.ExponentialBuckets(1, 2, 15)

// NewWorker registers neco-worker's series in r.
func NewWorker(r *Registry) *Worker {
	w := &Worker{
		steps: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "step_duration_seconds",
			Help:    "Duration of this server's finished step attempts by step kind (prepare, restart, stop, start, once) and result (ok, failed).",
			Buckets: stepBuckets,
		}, []string{"kind", "result"}),
		leader: leaderGauge("worker"),
	}
	r.reg.MustRegister(w.steps, w.leader)
	return w
}

// StepFinished observes one step attempt of kind that took d.
func (w *Worker) StepFinished(kind string, ok bool, d time.Duration) {
	if w == nil {
		return
	}
	result := "ok"
	if !ok {
		result = "failed"
	}
	w.steps.WithLabelValues(kind, result).Observe(d.Seconds())
}

// Leading sets neco_leader{role="worker"}: the worker leader runs the
// once-per-cluster steps.
func (w *Worker) Leading(b bool) {
	if w == nil {
		return
	}
	w.leader.Set(boolValue(b))
}
