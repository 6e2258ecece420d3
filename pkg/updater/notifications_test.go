package updater

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/necoship/neco/pkg/metrics"
	"github.com/necoship/neco/pkg/metrics/metricstest"
	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/notify"
)

// hookRecorder is an endpoint that records the path of each POST.
type hookRecorder struct {
	mu    sync.Mutex
	paths []string
}

func (h *hookRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	h.paths = append(h.paths, r.URL.Path)
	h.mu.Unlock()
}

func (h *hookRecorder) got() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.paths...)
}

// The endpoints follow the config of each Notify: set, changed, unset.
func TestNotificationsFollowConfig(t *testing.T) {
	rec := &hookRecorder{}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	var failures []string
	var mu sync.Mutex
	n := NewNotifications(notify.Options{Attempts: 1, OnFailure: func(s string) {
		mu.Lock()
		failures = append(failures, s)
		mu.Unlock()
	}}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { n.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	steps := []struct {
		kv   map[string]string
		want []string // paths received so far
	}{
		{map[string]string{}, nil},
		{map[string]string{"webhook": srv.URL + "/hook"}, []string{"/hook"}},
		{map[string]string{"webhook": srv.URL + "/hook", "slack": srv.URL + "/slack"}, []string{"/hook", "/slack", "/hook"}},
		{map[string]string{"slack": srv.URL + "/slack2"}, []string{"/hook", "/slack", "/hook", "/slack2"}},
	}
	for i, s := range steps {
		n.Notify(clusterConfig(t, s.kv), notify.Event{Kind: notify.KindStarted, UpdateID: int64(i + 1)})
		deadline := time.Now().Add(5 * time.Second)
		for len(rec.got()) < len(s.want) && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(20 * time.Millisecond) // nothing more arrives
		if got := rec.got(); strings.Join(got, " ") != strings.Join(s.want, " ") {
			t.Fatalf("step %d: endpoints got %v, want %v", i, got, s.want)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(failures) != 0 {
		t.Errorf("unconfigured endpoints counted as failures: %v", failures)
	}
}

// fakeDeployments answers GitHub's Deployments API for repository o/r
// with one deployment, id 1, and records "METHOD path" of each request.
type fakeDeployments struct{ hookRecorder }

func (f *fakeDeployments) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.paths = append(f.paths, r.Method+" "+r.URL.Path)
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-RateLimit-Remaining", "4321")
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/repos/o/r/deployments":
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, `{"id": 1, "ref": "release-2026.11.23-1", "environment": "staging"}`)
	case r.Method == http.MethodGet && r.URL.Path == "/repos/o/r/deployments":
		fmt.Fprint(w, `[{"id": 1, "ref": "release-2026.11.23-1", "environment": "staging", "payload": {"neco": {"update_id": 7}}}]`)
	case r.Method == http.MethodPost && r.URL.Path == "/repos/o/r/deployments/1/statuses":
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, `{"id": 10, "state": "in_progress"}`)
	default:
		http.NotFound(w, r)
	}
}

// github-deployments=true turns the deployment statuses on, through the
// configured API, and their GitHub answers are counted in the metrics.
func TestNotificationsGitHubDeployments(t *testing.T) {
	gh := &fakeDeployments{}
	srv := httptest.NewServer(gh)
	t.Cleanup(srv.Close)
	reg := metrics.NewRegistry("test")
	m := metrics.NewUpdater(reg)
	n := NewNotifications(notify.Options{Attempts: 1}, m)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { n.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	u := model.Update{ID: 7, Version: model.MustParseVersion("2026.11.23-1"), Tag: "release-2026.11.23-1",
		Servers: []int{0, 1}, Reason: model.ReasonUpdate}
	h := model.HistoryEntry{ID: 7, Result: model.ResultCompleted}
	kv := map[string]string{"github-repo": "o/r", "github-api-url": srv.URL + "/", "env": "staging"}
	wait := func(want ...string) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for len(gh.got()) < len(want) && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(20 * time.Millisecond) // nothing more arrives
		if diff := cmp.Diff(want, gh.got()); diff != "" {
			t.Fatalf("GitHub calls mismatch (-want +got):\n%s", diff)
		}
	}
	n.Notify(clusterConfig(t, kv), notify.Started(u, "staging", "")) // off by default
	wait()

	kv["github-deployments"] = "true"
	n.Notify(clusterConfig(t, kv), notify.Started(u, "staging", ""))
	wait("POST /repos/o/r/deployments", "POST /repos/o/r/deployments/1/statuses")
	n.Notify(clusterConfig(t, kv), notify.Finished(u, h, "staging", ""))
	wait("POST /repos/o/r/deployments", "POST /repos/o/r/deployments/1/statuses",
		"GET /repos/o/r/deployments", "POST /repos/o/r/deployments/1/statuses")

	rs := httptest.NewServer(reg.Handler())
	t.Cleanup(rs.Close)
	fams := metricstest.Scrape(t, rs.URL+"/metrics")
	want := []string{"code=200: 1", "code=201: 3"}
	if diff := cmp.Diff(want, fams.Samples("neco_github_requests_total")); diff != "" {
		t.Errorf("GitHub requests counted (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{": 4321"}, fams.Samples("neco_github_rate_limit_remaining")); diff != "" {
		t.Errorf("rate limit remaining (-want +got):\n%s", diff)
	}
}
