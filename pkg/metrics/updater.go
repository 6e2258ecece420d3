package metrics

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Updater holds neco-updater's series.
type Updater struct {
	releaseChecks  *prometheus.CounterVec
	githubRequests *prometheus.CounterVec
	rateRemaining  prometheus.Gauge
	target         *prometheus.GaugeVec
	updates        *prometheus.HistogramVec
	serverCond     *prometheus.GaugeVec
	leader         prometheus.Gauge
	notifyFailures *prometheus.CounterVec
	webhookRejects *prometheus.CounterVec
}

// updateBuckets span a quick single-server update (30 s) to a long
// rolling one (about 4 h).
var updateBuckets = prometheus.ExponentialBuckets(30, 2, 10)

// NewUpdater registers neco-updater's series in r.
func NewUpdater(r *Registry) *Updater {
	u := &Updater{
		releaseChecks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "release_checks_total",
			Help: "Release checks of the site repository by result (ok, error).",
		}, []string{"result"}),
		githubRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "github_requests_total",
			Help: "GitHub API requests by HTTP status code; code 304 are conditional requests that cost no rate limit.",
		}, []string{"code"}),
		rateRemaining: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: namespace, Name: "github_rate_limit_remaining",
			Help: "X-RateLimit-Remaining of the last GitHub API answer that carried it.",
		}),
		target: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: namespace, Name: "target_version_info",
			Help: "The version of the current (running or last) update; 1 for its labels, absent before the first update.",
		}, []string{"version", "tag", "update_id"}),
		updates: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "update_duration_seconds",
			Help:    "Duration of finished updates by result (completed, aborted, timedout).",
			Buckets: updateBuckets,
		}, []string{"result"}),
		serverCond: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: namespace, Name: "server_cond",
			Help: "1 for each boot server's cond in the current update (running, completed, aborted, timedout; waiting before its first report).",
		}, []string{"lrn", "cond"}),
		leader: leaderGauge("updater"),
		notifyFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "notification_failures_total",
			Help: "Notifications given up on (after retries, or dropped on a full queue), by sender.",
		}, []string{"sender"}),
		webhookRejects: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "webhook_rejected_total",
			Help: "Webhook deliveries refused before authentication, by reason (signature, too_large, secret_unset).",
		}, []string{"reason"}),
	}
	r.reg.MustRegister(u.releaseChecks, u.githubRequests, u.rateRemaining, u.target,
		u.updates, u.serverCond, u.leader, u.notifyFailures, u.webhookRejects)
	// Both results exist from the start, so that rate() sees the first error.
	u.releaseChecks.WithLabelValues("ok")
	u.releaseChecks.WithLabelValues("error")
	return u
}

// ReleaseCheck counts one finished release check.
func (u *Updater) ReleaseCheck(err error) {
	if u == nil {
		return
	}
	result := "ok"
	if err != nil {
		result = "error"
	}
	u.releaseChecks.WithLabelValues(result).Inc()
}

// GitHubResponse counts one API answer; rateRemaining < 0 means the answer
// did not carry the header.
func (u *Updater) GitHubResponse(code, rateRemaining int) {
	if u == nil {
		return
	}
	u.githubRequests.WithLabelValues(strconv.Itoa(code)).Inc()
	if rateRemaining >= 0 {
		u.rateRemaining.Set(float64(rateRemaining))
	}
}

// ServerCond is one boot server's condition in the current update.
type ServerCond struct {
	LRN  int
	Cond string
}

// Current sets the target version and the servers' conds from one
// snapshot; an empty version clears both (no update yet).
func (u *Updater) Current(version, tag string, updateID int64, servers []ServerCond) {
	if u == nil {
		return
	}
	u.target.Reset()
	u.serverCond.Reset()
	if version == "" {
		return
	}
	u.target.WithLabelValues(version, tag, strconv.FormatInt(updateID, 10)).Set(1)
	for _, s := range servers {
		u.serverCond.WithLabelValues(strconv.Itoa(s.LRN), s.Cond).Set(1)
	}
}

// UpdateFinished observes the duration of an update that ended with result.
func (u *Updater) UpdateFinished(result string, d time.Duration) {
	if u == nil {
		return
	}
	u.updates.WithLabelValues(result).Observe(d.Seconds())
}

// Leading sets neco_leader{role="updater"}.
func (u *Updater) Leading(b bool) {
	if u == nil {
		return
	}
	u.leader.Set(boolValue(b))
}

// WebhookRejected counts one webhook delivery refused before
// authentication.
func (u *Updater) WebhookRejected(reason string) {
	if u == nil {
		return
	}
	u.webhookRejects.WithLabelValues(reason).Inc()
}

// NotificationFailed counts a notification given up on.
func (u *Updater) NotificationFailed(sender string) {
	if u == nil {
		return
	}
	u.notifyFailures.WithLabelValues(sender).Inc()
}
