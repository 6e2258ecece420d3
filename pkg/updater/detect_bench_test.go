package updater

import (
	"fmt"
	"math"
	"net/http"
	"sync"
	"testing"
	"time"
)

// detectPollInterval is check-update-interval in the poll and steady
// benchmarks: the shortest config allows. The production default (1m)
// would make one poll iteration last a minute and a steady window of 20
// polls 20 minutes.
const detectPollInterval = 10 * time.Second

// BenchmarkDetection measures how soon neco-updater starts an update for
// a new release: from the moment mirror.Publish made it visible to the
// moment status/current names it (observed through an etcd watch). It
// runs the real updater (RunDaemon: election, release checks, webhook
// endpoint, the production 5s Controller tick) against the embedded etcd with
// one joined server, and a mirror on loopback. Between iterations, outside
// the timer, the update is driven to completion as workers would.
//
//   - webhook: a signed `release` event is delivered right after
//     publishing; polling stays at the default 1m.
//   - webhook-follower: the same delivered to a second neco-updater that
//     does not lead, which passes it on through request/check (goal: at
//     most 1s).
//   - poll: no webhook, check-update-interval 10s. Each release is
//     published at a point of the poll cycle spread over the iterations
//     (0.5, 0.12, 0.74, ... of an interval after the last check), so the
//     mean approaches what a release published at a random time waits.
//     detect/poll-interval is the latency in intervals.
//   - steady: the idle updater at check-update-interval 10s after one
//     release. One op is one API request reaching the mirror, which is one
//     release check while the listing fits in a page: ns/op is the
//     observed poll period (the release checks' own timer starts one when
//     the interval since the last one started has passed), req/hour the
//     request rate at that interval (1/6 of it at the default 1m) and
//     304/req the share answered "not modified", which should be 1.
//     Requests not answered 304 are logged. It is a sub-benchmark of its
//     own so that -benchtime sets the window: -benchtime=20x is 20 polls.
func BenchmarkDetection(b *testing.B) {
	b.Run("webhook", benchDetectWebhook)
	b.Run("webhook-follower", benchDetectWebhookFollower)
	b.Run("poll", benchDetectPoll)
	b.Run("steady", benchSteadyPolling)
}

func benchDetectWebhook(b *testing.B) {
	s := newDetectSite(b, map[string]string{"github-webhook-secret": detectWebhookSecret}, true)
	for b.Loop() {
		b.StopTimer() // b.Loop wants it running when called
		tag := s.publishNext()
		current := s.expectCurrent(tag)
		b.StartTimer()
		s.deliverRelease(s.hookAddr, tag)
		u := current()
		b.StopTimer()
		s.complete(u)
		b.StartTimer()
	}
}

// benchDetectWebhookFollower is webhook with the delivery sent to the
// updater that does not lead: it passes it on through request/check.
func benchDetectWebhookFollower(b *testing.B) {
	s := newDetectSite(b, map[string]string{"github-webhook-secret": detectWebhookSecret}, true)
	s.runFollower()
	for b.Loop() {
		b.StopTimer()
		tag := s.publishNext()
		current := s.expectCurrent(tag)
		b.StartTimer()
		s.deliverRelease(s.followerAddr, tag)
		u := current()
		b.StopTimer()
		s.complete(u)
		b.StartTimer()
	}
}

func benchDetectPoll(b *testing.B) {
	s := newDetectSite(b, map[string]string{"check-update-interval": detectPollInterval.String()}, false)
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		s.awaitPollPhase(time.Duration(pollPhase(i) * float64(detectPollInterval)))
		tag := s.nextTag()
		current := s.expectCurrent(tag)
		s.publishRelease(tag)
		b.StartTimer()
		u := current()
		b.StopTimer()
		s.complete(u)
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed())/float64(b.N)/float64(detectPollInterval), "detect/poll-interval")
}

// pollPhase is where in the poll cycle release i appears, as a fraction of
// the interval: 0.5 first (the mean for a single iteration), then the
// golden-ratio sequence, which spreads any number of points evenly.
func pollPhase(i int) float64 {
	_, frac := math.Modf(0.5 + float64(i)*0.6180339887498949)
	return frac
}

func benchSteadyPolling(b *testing.B) {
	s := newDetectSite(b, map[string]string{"check-update-interval": detectPollInterval.String()}, false)
	_, n := s.api.lastRequest()
	s.awaitRequests(n + 1) // the window starts at a poll
	before := s.api.counts()
	for want := before.requests; b.Loop(); {
		want++
		s.awaitRequests(want)
	}
	after := s.api.counts()
	reqs := after.requests - before.requests
	b.ReportMetric(float64(reqs)/b.Elapsed().Hours(), "req/hour")
	b.ReportMetric(float64(after.notModified-before.notModified)/float64(reqs), "304/req")
	for _, r := range s.api.notNotModified(before.requests) {
		b.Logf("steady-state request not answered 304: %s", r)
	}
}

// apiLog wraps the mirror: it counts the API requests the updater sends
// and the 304s among them, remembers those not answered 304, and signals
// every answer, so the benchmark waits on requests rather than the clock.
type apiLog struct {
	next     http.Handler
	answered chan struct{} // one pending signal; recheck counts after it

	mu     sync.Mutex
	n      apiCounts
	last   time.Time // when the newest request arrived
	others []apiRequest
}

type apiCounts struct{ requests, notModified int }

// apiRequest is a request that was not answered 304.
type apiRequest struct {
	seq  int // its place among all requests, from 1
	desc string
}

func newAPILog(next http.Handler) *apiLog {
	return &apiLog{next: next, answered: make(chan struct{}, 1)}
}

func (l *apiLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	arrived := time.Now()
	rec := &codeRecorder{ResponseWriter: w, code: http.StatusOK}
	l.next.ServeHTTP(rec, r)
	l.mu.Lock()
	l.n.requests++
	l.last = arrived
	if rec.code == http.StatusNotModified {
		l.n.notModified++
	} else {
		cond := "without If-None-Match"
		if r.Header.Get("If-None-Match") != "" {
			cond = "with a stale If-None-Match"
		}
		l.others = append(l.others, apiRequest{seq: l.n.requests, desc: fmt.Sprintf("%s %s %s: %d", r.Method, r.URL.RequestURI(), cond, rec.code)})
	}
	l.mu.Unlock()
	select {
	case l.answered <- struct{}{}:
	default: // one pending signal is enough: waiters recheck the counts
	}
}

func (l *apiLog) counts() apiCounts {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n
}

// lastRequest returns when the newest request arrived and how many came.
func (l *apiLog) lastRequest() (time.Time, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.last, l.n.requests
}

// notNotModified describes the requests after the first `after` that were
// not answered 304.
func (l *apiLog) notNotModified(after int) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, r := range l.others {
		if r.seq > after {
			out = append(out, r.desc)
		}
	}
	return out
}

// codeRecorder keeps the status code a handler answered with.
type codeRecorder struct {
	http.ResponseWriter
	code int
}

func (c *codeRecorder) WriteHeader(code int) {
	c.code = code
	c.ResponseWriter.WriteHeader(code)
}
