package metrics

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// namespace prefixes every neco series.
const namespace = "neco"

// Registry holds one daemon's series, plus the Go runtime's and the
// process's, and the build version.
type Registry struct {
	reg *prometheus.Registry
}

// NewRegistry returns a registry with the runtime and process collectors
// and neco_build_info{version} = 1.
func NewRegistry(version string) *Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	info := prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: namespace, Name: "build_info",
		Help:        "The running neco version; always 1.",
		ConstLabels: prometheus.Labels{"version": version},
	})
	info.Set(1)
	reg.MustRegister(info)
	return &Registry{reg: reg}
}

// Handler serves the registry in the Prometheus exposition formats. A
// failing collector is reported in the response, not by a crash.
func (r *Registry) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(r.reg, promhttp.HandlerOpts{
		ErrorHandling: promhttp.ContinueOnError,
	}))
	return mux
}

// leaderGauge is neco_leader{role}: 1 while this process leads its role's
// election.
func leaderGauge(role string) prometheus.Gauge {
	return prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: namespace, Name: "leader",
		Help:        "1 while this process is the elected leader of its role (updater, worker), else 0.",
		ConstLabels: prometheus.Labels{"role": role},
	})
}

// boolValue is the 0/1 value of a gauge that holds a flag.
func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
