package alerts

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeProm is an httptest server standing in for Prometheus, counting the
// requests it gets.
type fakeProm struct {
	*httptest.Server
	requests atomic.Int64
}

func newFakeProm(t *testing.T, h http.HandlerFunc) *fakeProm {
	t.Helper()
	f := &fakeProm{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.requests.Add(1)
		h(w, r)
	}))
	t.Cleanup(f.Close)
	return f
}

// answering serves body with code to every request.
func answering(code int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_, _ = w.Write([]byte(body))
	}
}

// newSource is New(o) with o.URL set to url, failing the test on error.
func newSource(t *testing.T, url string, o Options) *Source {
	t.Helper()
	o.URL = url
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// fakeClock is a clock that moves only when told, and counts how often it
// was read: Source reads it once per caller that finds a cached answer,
// which tells a test how many callers got that far.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	reads int
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reads++
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func (c *fakeClock) Reads() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reads
}

// waitFor polls cond until it holds, failing the test after timeout with
// what was awaited and cond's last report.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, last := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s after %s; last: %s", what, timeout, last)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
