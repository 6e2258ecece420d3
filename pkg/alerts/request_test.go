package alerts

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestFiringReportsFiringMatchingAlerts(t *testing.T) {
	var gotPath, gotAuth string
	prom := newFakeProm(t, func(w http.ResponseWriter, r *http.Request) {
		gotPath = r.URL.Path
		user, pass, _ := r.BasicAuth()
		gotAuth = user + ":" + pass
		answering(200, `{"status":"success","data":{"alerts":[
			{"labels":{"alertname":"NecoHold"},"state":"firing"},
			{"labels":{"alertname":"NecoHold","instance":"b"},"state":"firing"},
			{"labels":{"alertname":"NecoSoon"},"state":"pending"},
			{"labels":{"alertname":"DiskFull"},"state":"firing"}]}}`)(w, r)
	})
	// A base URL with a path prefix, as behind a reverse proxy, and a
	// password that must go out as basic auth.
	u := strings.Replace(prom.URL, "http://", "http://neco:s3cret@", 1) + "/prom/"
	s := newSource(t, u, Options{Match: regexp.MustCompile(`^Neco`)})
	got, err := s.Firing(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"NecoHold"}, got); d != "" {
		t.Errorf("firing (-want +got):\n%s", d)
	}
	if gotPath != "/prom/api/v1/alerts" || gotAuth != "neco:s3cret" {
		t.Errorf("request: path %q, basic auth %q", gotPath, gotAuth)
	}
}

func TestFiringErrors(t *testing.T) {
	const promErr = `{"status":"error","errorType":"unavailable","error":"rule manager not ready"}`
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
		is      error
		want    string // the message after "get <url>: "
	}{
		{"503 from a proxy", answering(503, "no healthy upstream\n"), ErrStatus,
			`alerts: HTTP status 503 Service Unavailable: body "no healthy upstream\n"`},
		{"503 from prometheus", answering(503, promErr), ErrPrometheus,
			`alerts: HTTP status 503 Service Unavailable: alerts: prometheus answered an error: "unavailable": "rule manager not ready"`},
		{"404 without body", answering(404, ""), ErrStatus, "alerts: HTTP status 404 Not Found"},
		{"status error", answering(200, promErr), ErrPrometheus,
			`alerts: prometheus answered an error: "unavailable": "rule manager not ready"`},
		{"malformed JSON", answering(200, `{"status":"success","data":{"alerts":[{]}}`), ErrMalformed,
			"alerts: malformed response: invalid character ']' looking for beginning of object key string"},
		{"not the alerts API", answering(200, `{"status":"success","data":{"result":[]}}`), ErrMalformed,
			"alerts: malformed response: no data.alerts"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prom := newFakeProm(t, tc.handler)
			s := newSource(t, prom.URL+"/", Options{})
			got, err := s.Firing(context.Background())
			want := "get " + prom.URL + "/api/v1/alerts: " + tc.want
			if got != nil || !errors.Is(err, tc.is) || err.Error() != want {
				t.Errorf("got %v, %v\nwant error %s", got, err, want)
			}
		})
	}
}

func TestFiringUnreachable(t *testing.T) {
	prom := newFakeProm(t, answering(200, `{}`))
	prom.Close() // its port now refuses connections
	s := newSource(t, "http://user:hunter2@"+strings.TrimPrefix(prom.URL, "http://"), Options{})
	_, err := s.Firing(context.Background())
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("got %v, want ErrUnreachable: connection refused", err)
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error shows the password: %v", err)
	}
}

func TestFiringTimeout(t *testing.T) {
	// The server never answers; it returns when the client hangs up.
	prom := newFakeProm(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	s := newSource(t, prom.URL, Options{Timeout: 50 * time.Millisecond})
	_, err := s.Firing(context.Background())
	want := "get " + prom.URL + "/api/v1/alerts: alerts: prometheus unreachable: no answer within 50ms: context deadline exceeded"
	if !errors.Is(err, ErrUnreachable) || !errors.Is(err, context.DeadlineExceeded) || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}

func TestRedirectToAnotherHostRefused(t *testing.T) {
	other := newFakeProm(t, answering(200, `{"status":"success","data":{"alerts":[]}}`))
	prom := newFakeProm(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusFound)
	})
	// Same address, other host name: still another origin.
	local := strings.Replace(prom.URL, "127.0.0.1", "localhost", 1)
	for _, u := range []string{prom.URL, local} {
		s := newSource(t, u, Options{})
		_, err := s.Firing(context.Background())
		if !errors.Is(err, ErrRedirect) || !strings.Contains(err.Error(), "to "+other.URL) {
			t.Errorf("%s: got %v, want ErrRedirect to %s", u, err, other.URL)
		}
	}
	if n := other.requests.Load(); n != 0 {
		t.Errorf("the other host got %d requests", n)
	}
}

func TestRedirectOnSameHostFollowed(t *testing.T) {
	prom := newFakeProm(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/alerts" {
			http.Redirect(w, r, "/prom/api/v1/alerts", http.StatusMovedPermanently)
			return
		}
		answering(200, `{"status":"success","data":{"alerts":[{"labels":{"alertname":"A"},"state":"firing"}]}}`)(w, r)
	})
	s := newSource(t, prom.URL, Options{})
	got, err := s.Firing(context.Background())
	if err != nil || !cmp.Equal([]string{"A"}, got) {
		t.Errorf("got %v, %v, want [A]", got, err)
	}
}

func TestNewRejectsURL(t *testing.T) {
	for _, tc := range []struct{ url, want string }{
		{"", "alerts: invalid options: URL : scheme is not http or https"},
		{"127.0.0.1:9090", "alerts: invalid options: URL does not parse: first path segment in URL cannot contain colon"},
		{"ftp://mon/", "alerts: invalid options: URL ftp://mon/: scheme is not http or https"},
		{"http:///api", "alerts: invalid options: URL http:///api: no host"},
		{"http:mon", "alerts: invalid options: URL http:mon: no host"},
		{"http://u:pw@mon/?x=1", "alerts: invalid options: URL http://u:xxxxx@mon/?x=1: has a query or fragment"},
		{"http://mon/#top", "alerts: invalid options: URL http://mon/#top: has a query or fragment"},
		{"http://mon/?", "alerts: invalid options: URL http://mon/?: has a query or fragment"},
	} {
		_, err := New(Options{URL: tc.url})
		if !errors.Is(err, ErrOptions) || err.Error() != tc.want {
			t.Errorf("New(%q):\n got %v\nwant %s", tc.url, err, tc.want)
		}
	}
	_, err := New(Options{URL: "http://mon/", CacheFor: -time.Second})
	if !errors.Is(err, ErrOptions) {
		t.Errorf("negative CacheFor: got %v", err)
	}
}
