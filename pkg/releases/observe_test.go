package releases

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// responseRecorder collects what OnResponse sees.
type responseRecorder struct {
	mu  sync.Mutex
	got []Response
}

func (r *responseRecorder) record(resp Response) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, resp)
}

func (r *responseRecorder) all() []Response {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

func TestOnResponseSeesNotModified(t *testing.T) {
	f := newFakeGitHub(t)
	f.add(&fakeRelease{tag: "release-1.0.0"})
	var rec responseRecorder
	c, _, _ := newTestClient(t, f, func(o *Options) { o.OnResponse = rec.record })
	for range 2 {
		rs, err := c.ListReleases(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) != 1 {
			t.Fatalf("got %d releases, want 1", len(rs))
		}
	}
	want := []Response{{Code: 200, RateRemaining: 4999}, {Code: 304, RateRemaining: 4999}}
	if diff := cmp.Diff(want, rec.all()); diff != "" {
		t.Errorf("OnResponse calls mismatch (-want +got):\n%s", diff)
	}
}

func TestOnResponseRetriesAndMissingHeader(t *testing.T) {
	f := newFakeGitHub(t)
	f.add(&fakeRelease{tag: "release-1.0.0"})
	var n atomic.Int32
	f.intercept = func(w http.ResponseWriter, r *http.Request) bool {
		if n.Add(1) > 1 {
			return false
		}
		writeGitHubError(w, http.StatusBadGateway, "Bad Gateway") // no rate-limit headers
		return true
	}
	var rec responseRecorder
	c, _, _ := newTestClient(t, f, func(o *Options) { o.OnResponse = rec.record })
	if _, err := c.ListReleases(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := []Response{{Code: 502, RateRemaining: -1}, {Code: 200, RateRemaining: 4999}}
	if diff := cmp.Diff(want, rec.all()); diff != "" {
		t.Errorf("OnResponse calls mismatch (-want +got):\n%s", diff)
	}
}

func TestOnResponseWithoutAnswer(t *testing.T) {
	f := newFakeGitHub(t)
	f.srv.Close() // connection refused from now on
	var rec responseRecorder
	c, _, _ := newTestClient(t, f, func(o *Options) { o.OnResponse = rec.record })
	_, err := c.ListReleases(context.Background())
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	got := rec.all()
	if len(got) != 3 {
		t.Fatalf("got %d calls, want one per attempt (3): %v", len(got), got)
	}
	for i, r := range got {
		if r != (Response{Code: 0, RateRemaining: -1}) {
			t.Errorf("call %d = %+v, want code 0 and no rate limit", i, r)
		}
	}
	if s := c.Stats(); s.Requests != int64(len(got)) {
		t.Errorf("Stats().Requests = %d, OnResponse calls = %d; want equal", s.Requests, len(got))
	}
}

func TestRateRemaining(t *testing.T) {
	tests := map[string]int{"": -1, "0": 0, "4999": 4999, "lots": -1, "-3": -1}
	for v, want := range tests {
		h := http.Header{}
		if v != "" {
			h.Set("X-RateLimit-Remaining", v)
		}
		if got := rateRemaining(h); got != want {
			t.Errorf("rateRemaining(%q) = %d, want %d", v, got, want)
		}
	}
}
