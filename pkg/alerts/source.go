// Package alerts owns the alert gate's question to Prometheus: which
// alerts are firing now. The updater leader asks on behalf of every boot
// server and holds a rollout while an alert it cares about fires. A Source
// reuses each answer (and each error) for Options.CacheFor, and callers
// that ask while a request is under way wait for that request, so 1,000
// servers waiting at a gate cost Prometheus one request per CacheFor, not
// one each.
//
// What to do when Prometheus cannot answer is the caller's policy (the
// updater fails closed: no answer holds the rollout too). This package
// only says precisely what went wrong, through the sentinel errors below,
// and never logs.
package alerts

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"sync"
	"time"
)

// The errors New and Firing wrap, one per way of failing, so that the
// caller can tell an outage from a misconfiguration (errors.Is) while the
// message says the details. Firing's messages start with "get <url>: "
// (any password redacted).
var (
	// ErrOptions: New was given a URL or durations it cannot use.
	ErrOptions = errors.New("alerts: invalid options")

	// ErrUnreachable: no HTTP answer (refused, reset, DNS, TLS) or its
	// body broke off, including when Options.Timeout ran out.
	ErrUnreachable = errors.New("alerts: prometheus unreachable")

	// ErrRedirect: the server redirected to another scheme or host.
	// Following it would send the request (and any basic auth) to a
	// server nobody configured, and trust its answer about the alerts.
	ErrRedirect = errors.New("alerts: redirect to another origin refused")

	// ErrStatus: an HTTP status other than 2xx. When the body is
	// Prometheus's error envelope, ErrPrometheus is wrapped too.
	ErrStatus = errors.New("alerts: HTTP status")

	// ErrTooLarge: the body is (or declares it is) larger than MaxBody.
	// Reading stops there; nothing of it is used.
	ErrTooLarge = errors.New("alerts: response too large")

	// ErrMalformed: the body is not an /api/v1/alerts answer: not JSON,
	// no "success" or "error" status, no data.alerts list, or an alert
	// without an alertname or with a state other than firing, pending or
	// inactive. A list that cannot be read whole might hide the alert
	// that must hold a rollout, so none of it is used.
	ErrMalformed = errors.New("alerts: malformed response")

	// ErrPrometheus: Prometheus answered {"status":"error"}; the message
	// carries its errorType and error.
	ErrPrometheus = errors.New("alerts: prometheus answered an error")
)

// Defaults for the Options left zero.
const (
	DefaultTimeout  = 5 * time.Second
	DefaultCacheFor = 5 * time.Second
)

// Options for a Source.
type Options struct {
	// URL is Prometheus's base URL, http or https, without query or
	// fragment, e.g. http://127.0.0.1:9090/ or https://mon.example/prom/.
	// Source asks <URL>/api/v1/alerts. A password in it is sent as basic
	// auth and never appears in an error.
	URL string
	// Match selects, by alertname, the firing alerts Firing reports; nil
	// reports every firing alert. It is applied as given (MatchString,
	// unanchored): anchor it with ^...$ to match whole names only.
	Match *regexp.Regexp
	// Timeout bounds one request, body included (default DefaultTimeout).
	Timeout time.Duration
	// CacheFor is how long an answer, or an error, is reused
	// (default DefaultCacheFor).
	CacheFor time.Duration
	// Client makes the requests (default: a plain http.Client). Source
	// uses a copy whose CheckRedirect refuses any redirect to another
	// scheme or host before calling the client's own.
	Client *http.Client
	// Now is the clock that ages cached answers (default time.Now).
	Now func() time.Time
}

// Source answers which alerts fire. It is safe for concurrent use.
type Source struct {
	endpoint string // <URL>/api/v1/alerts
	shown    string // endpoint with any password redacted, for errors
	match    *regexp.Regexp
	timeout  time.Duration
	cacheFor time.Duration
	client   *http.Client
	now      func() time.Time

	mu       sync.Mutex
	last     *answer // the latest completed request; nil before the first
	inflight *call   // the request under way; nil when none
}

// New returns a Source for o. It makes no request: an unreachable
// Prometheus is an error of Firing, not of New.
func New(o Options) (*Source, error) {
	endpoint, err := alertsURL(o.URL)
	if err != nil {
		return nil, err
	}
	if o.Timeout < 0 || o.CacheFor < 0 {
		return nil, fmt.Errorf("%w: negative timeout %s or cache time %s", ErrOptions, o.Timeout, o.CacheFor)
	}
	s := &Source{
		endpoint: endpoint.String(),
		shown:    endpoint.Redacted(),
		match:    o.Match,
		timeout:  cmp.Or(o.Timeout, DefaultTimeout),
		cacheFor: cmp.Or(o.CacheFor, DefaultCacheFor),
		client:   sameOriginClient(o.Client),
		now:      o.Now,
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}
