package updater

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

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
	}})
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
