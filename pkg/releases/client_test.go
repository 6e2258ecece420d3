package releases

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/necoship/neco/pkg/backoff"
)

// sleepRecorder replaces Client.Sleep: it records each requested wait and
// waits only as long as real is set to.
type sleepRecorder struct {
	mu    sync.Mutex
	waits []time.Duration
	real  bool
}

func (s *sleepRecorder) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	s.mu.Unlock()
	if s.real {
		return backoff.Sleep(ctx, d)
	}
	return ctx.Err()
}

func newTestClient(t *testing.T, f *fakeGitHub, mod func(*Options)) (*Client, *sleepRecorder, *observer.ObservedLogs) {
	t.Helper()
	core, logs := observer.New(zap.DebugLevel)
	rec := &sleepRecorder{}
	o := Options{
		APIURL: f.srv.URL,
		Repo:   fakeOwner + "/" + fakeRepo,
		Token:  "test-token",
		Logger: zap.New(core),
		Sleep:  rec.sleep,
		Retry:  RetryPolicy{Attempts: 3, BaseDelay: time.Millisecond, MaxDelay: 10 * time.Millisecond},
	}
	if mod != nil {
		mod(&o)
	}
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return c, rec, logs
}

func TestListReleasesPaginatesBeyondHundred(t *testing.T) {
	f := newFakeGitHub(t)
	for i := 1; i <= 250; i++ {
		f.add(&fakeRelease{tag: fmt.Sprintf("release-2026.11.%d-1", i)})
	}
	c, _, _ := newTestClient(t, f, nil)
	rs, err := c.ListReleases(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 250 {
		t.Fatalf("got %d releases, want 250", len(rs))
	}
	seen := map[string]bool{}
	for _, r := range rs {
		if seen[r.Tag] {
			t.Errorf("release %s listed twice", r.Tag)
		}
		seen[r.Tag] = true
	}
	reqs := f.recorded()
	if len(reqs) != 3 {
		t.Fatalf("got %d requests, want 3 pages of 100", len(reqs))
	}
	for i, r := range reqs {
		if got := r.URL.Query().Get("per_page"); got != "100" {
			t.Errorf("request %d per_page = %q, want 100", i, got)
		}
		if got := r.Header.Get("Authorization"); got != "Bearer test-token" {
			t.Errorf("request %d Authorization = %q", i, got)
		}
	}
}

func TestListReleasesConditionalRequests(t *testing.T) {
	f := newFakeGitHub(t)
	f.add(&fakeRelease{tag: "release-1.0.0"})
	c, _, _ := newTestClient(t, f, nil)
	ctx := context.Background()
	first, err := c.ListReleases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	second, err := c.ListReleases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != 1 || len(second) != 1 || second[0].Tag != "release-1.0.0" {
		t.Fatalf("304 did not serve the remembered list: %v then %v", first, second)
	}
	reqs := f.recorded()
	if len(reqs) != 2 {
		t.Fatalf("got %d requests, want 2", len(reqs))
	}
	if reqs[0].Header.Get("If-None-Match") != "" {
		t.Error("first request carried If-None-Match")
	}
	if reqs[1].Header.Get("If-None-Match") == "" {
		t.Error("second request did not carry If-None-Match")
	}
	if s := c.Stats(); s.Requests != 2 || s.NotModified != 1 {
		t.Errorf("stats = %+v, want 2 requests, 1 not modified", s)
	}

	// A new release changes the ETag: the next poll sees it at once.
	f.add(&fakeRelease{tag: "release-1.0.1"})
	third, err := c.ListReleases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(third) != 2 {
		t.Fatalf("after a new release got %d, want 2", len(third))
	}
	if s := c.Stats(); s.NotModified != 1 {
		t.Errorf("changed list counted as not modified: %+v", s)
	}
}

func TestConditionalCacheIsPerCredential(t *testing.T) {
	f := newFakeGitHub(t)
	f.add(&fakeRelease{tag: "release-1.0.0"})
	a, _, _ := newTestClient(t, f, nil)
	if _, err := a.ListReleases(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Same transport, other token: the remembered ETag must not be sent.
	req, _ := http.NewRequest(http.MethodGet, f.srv.URL+"/repos/example/site/releases?page=1&per_page=100", nil)
	req.Header.Set("Authorization", "Bearer other-token")
	resp, err := a.cond.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	reqs := f.recorded()
	if got := reqs[len(reqs)-1].Header.Get("If-None-Match"); got != "" {
		t.Errorf("other credential sent If-None-Match %q", got)
	}
}

// rateLimited answers the first n requests with GitHub's primary
// rate-limit response.
func rateLimited(n int, reset time.Time) func(http.ResponseWriter, *http.Request) bool {
	var count atomic.Int32
	return func(w http.ResponseWriter, r *http.Request) bool {
		if int(count.Add(1)) > n {
			return false
		}
		w.Header().Set("X-RateLimit-Limit", "60")
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
		writeGitHubError(w, http.StatusForbidden, "API rate limit exceeded for 192.0.2.1.")
		return true
	}
}

func TestRateLimitWaitsForReset(t *testing.T) {
	f := newFakeGitHub(t)
	f.add(&fakeRelease{tag: "release-1.0.0"})
	reset := time.Now().Add(2 * time.Second)
	f.intercept = rateLimited(1, reset)
	c, rec, _ := newTestClient(t, f, nil)
	rec.real = true // go-github itself refuses to send before the reset
	rs, err := c.ListReleases(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 {
		t.Fatalf("got %d releases", len(rs))
	}
	if len(rec.waits) != 1 {
		t.Fatalf("waits = %v, want one", rec.waits)
	}
	if !time.Now().After(reset) {
		t.Errorf("retried before the reset at %s", reset)
	}
	if got := len(f.recorded()); got != 2 {
		t.Errorf("got %d requests, want 2", got)
	}
}

func TestRateLimitTooFarIsReported(t *testing.T) {
	f := newFakeGitHub(t)
	f.intercept = rateLimited(100, time.Now().Add(time.Hour))
	c, rec, _ := newTestClient(t, f, nil)
	_, err := c.ListReleases(context.Background())
	if !errors.Is(err, ErrRateLimited) {
		t.Fatalf("err = %v, want ErrRateLimited", err)
	}
	if len(rec.waits) != 0 {
		t.Errorf("waited %v for a reset an hour away", rec.waits)
	}
}

func TestRetries(t *testing.T) {
	tests := []struct {
		name      string
		failures  int // requests answered by respond before the real handler
		respond   func(http.ResponseWriter)
		wantErr   error
		wantWaits []time.Duration // nil: don't check exact values, only count
		wantReqs  int
		realSleep bool // go-github refuses to send before a known reset
	}{
		{
			name: "500 then success", failures: 2, wantReqs: 3,
			respond: func(w http.ResponseWriter) { writeGitHubError(w, 500, "Server Error") },
		},
		{
			name: "500 every time", failures: 100, wantReqs: 3, wantErr: ErrUnavailable,
			respond: func(w http.ResponseWriter) { writeGitHubError(w, 502, "Bad Gateway") },
		},
		{
			name: "429 honours Retry-After", failures: 1, wantReqs: 2,
			wantWaits: []time.Duration{7 * time.Second},
			respond: func(w http.ResponseWriter) {
				w.Header().Set("Retry-After", "7")
				writeGitHubError(w, http.StatusTooManyRequests, "Too Many Requests")
			},
		},
		{
			name: "secondary rate limit honours Retry-After", failures: 1, wantReqs: 2,
			wantWaits: []time.Duration{time.Second}, realSleep: true,
			respond: func(w http.ResponseWriter) {
				w.Header().Set("Retry-After", "1")
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusForbidden)
				fmt.Fprint(w, `{"message":"You have exceeded a secondary rate limit.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"}`)
			},
		},
		{
			name: "401 is not retried", failures: 100, wantReqs: 1, wantErr: ErrUnauthorized,
			respond: func(w http.ResponseWriter) { writeGitHubError(w, 401, "Bad credentials") },
		},
		{
			name: "malformed JSON is not retried", failures: 100, wantReqs: 1, wantErr: ErrMalformed,
			respond: func(w http.ResponseWriter) {
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, `[{"tag_name": "release-1.0", "draft": nope}]`)
			},
		},
		{
			name: "truncated JSON is retried, then malformed", failures: 100, wantReqs: 3, wantErr: ErrMalformed,
			respond: func(w http.ResponseWriter) {
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, `[{"tag_name": "release-1.0", "draft": fals`)
			},
		},
		{
			name: "wrong JSON type is not retried", failures: 100, wantReqs: 1, wantErr: ErrMalformed,
			respond: func(w http.ResponseWriter) {
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, `{"tag_name": "release-1.0"}`)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeGitHub(t)
			f.add(&fakeRelease{tag: "release-1.0.0"})
			var n atomic.Int32
			f.intercept = func(w http.ResponseWriter, r *http.Request) bool {
				if int(n.Add(1)) > tt.failures {
					return false
				}
				tt.respond(w)
				return true
			}
			c, rec, _ := newTestClient(t, f, nil)
			rec.real = tt.realSleep
			rs, err := c.ListReleases(context.Background())
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
			} else if err != nil || len(rs) != 1 {
				t.Fatalf("got %v, %v; want one release", rs, err)
			}
			if got := len(f.recorded()); got != tt.wantReqs {
				t.Errorf("got %d requests, want %d", got, tt.wantReqs)
			}
			if len(rec.waits) != tt.wantReqs-1 {
				t.Errorf("waits = %v, want %d", rec.waits, tt.wantReqs-1)
			}
			for i, w := range tt.wantWaits {
				if rec.waits[i] != w {
					t.Errorf("wait %d = %s, want %s", i, rec.waits[i], w)
				}
			}
		})
	}
}

func TestUnparsableTagsSkippedWithOneWarning(t *testing.T) {
	f := newFakeGitHub(t)
	f.add(&fakeRelease{tag: "release-1;rm -rf /"})
	f.add(&fakeRelease{tag: "v1.2.3"})
	f.add(&fakeRelease{tag: "release-1.0.0"})
	c, _, logs := newTestClient(t, f, nil)
	for range 3 {
		rs, err := c.ListReleases(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			if r.Tag != "release-1.0.0" && !r.Version.IsZero() {
				t.Errorf("tag %q parsed as version %s", r.Tag, r.Version)
			}
		}
		if _, ok := (Channel{Env: "staging", Prefixes: []string{"release", "v1.2.3"}}).Pick(rs); !ok {
			t.Error("no pick despite a good release")
		}
	}
	warned := logs.FilterMessage("skipping release with unparsable tag").All()
	if len(warned) != 2 {
		t.Fatalf("got %d warnings over 3 polls, want one per bad tag (2)", len(warned))
	}
}

func TestReleaseByTag(t *testing.T) {
	f := newFakeGitHub(t)
	f.add(&fakeRelease{tag: "release-2026.11.23-1", prerelease: true})
	c, _, _ := newTestClient(t, f, nil)
	ctx := context.Background()
	r, err := c.ReleaseByTag(ctx, "release-2026.11.23-1")
	if err != nil {
		t.Fatal(err)
	}
	if r.Version.String() != "2026.11.23-1" || !r.Prerelease || r.Prefix != "release" {
		t.Errorf("got %+v", r)
	}
	if want := f.srv.URL + "/" + fakeOwner + "/" + fakeRepo + "/releases/tag/release-2026.11.23-1"; r.URL != want {
		t.Errorf("URL = %q, want the html_url %q", r.URL, want)
	}
	if _, err := c.ReleaseByTag(ctx, "release-9.9"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing tag: err = %v, want ErrNotFound", err)
	}
	before := len(f.recorded())
	if _, err := c.ReleaseByTag(ctx, "release-1;rm -rf /"); !errors.Is(err, ErrInvalidTag) {
		t.Errorf("bad tag: err = %v, want ErrInvalidTag", err)
	}
	if len(f.recorded()) != before {
		t.Error("a request was sent for an invalid tag")
	}
}

func TestNewValidatesOptions(t *testing.T) {
	tests := []Options{
		{Repo: "no-slash"},
		{Repo: "a/b/c"},
		{Repo: "/b"},
		{Repo: "a/b", APIURL: "ftp://example"},
		{Repo: "a/b", APIURL: "relative/path"},
		{Repo: "a/b", Proxy: "not a url"},
	}
	for _, o := range tests {
		if _, err := New(o); err == nil {
			t.Errorf("New(%+v) accepted", o)
		}
	}
}
