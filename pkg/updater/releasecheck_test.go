package updater

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/necoship/neco/pkg/config"
	"github.com/necoship/neco/pkg/mirror"
	"github.com/necoship/neco/pkg/releases"
)

// mirrorWith serves a mirror holding the given tags of example/site; a
// tag ending in "!" is published as a pre-release. The returned counter
// counts requests, and fail makes the server answer 401.
func mirrorWith(t *testing.T, tags ...string) (url string, reqs *atomic.Int64, fail *atomic.Bool) {
	url, reqs, fail, _ = mirrorWithHang(t, tags...)
	return url, reqs, fail
}

// mirrorWithHang is mirrorWith whose API can also hang: while hang is
// true, requests get no answer until the client gives up.
func mirrorWithHang(t *testing.T, tags ...string) (url string, reqs *atomic.Int64, fail, hang *atomic.Bool) {
	t.Helper()
	dir := t.TempDir()
	for i, tag := range tags {
		pre := tag[len(tag)-1] == '!'
		if pre {
			tag = tag[:len(tag)-1]
		}
		_, err := mirror.Publish(dir, mirror.PublishRequest{Repo: "example/site", Tag: tag, Prerelease: pre, NoChecksums: true,
			PublishedAt: time.Date(2026, 11, 1, i, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
	}
	reqs, fail, hang = &atomic.Int64{}, &atomic.Bool{}, &atomic.Bool{}
	h := mirror.NewServer(dir, mirror.ServerOptions{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reqs.Add(1)
		if hang.Load() {
			<-r.Context().Done()
			return
		}
		if fail.Load() {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"message":"Bad credentials"}`)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, reqs, fail, hang
}

func clusterConfig(t *testing.T, kv map[string]string) config.Cluster {
	t.Helper()
	c, _, err := config.ParseCluster(kv)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestReleaseChecks drives a term's checks against a mirror, on a clock
// that moves only when told: the first word checks at once, the interval
// (1m) and force make the next, an env change re-picks without a request,
// and a failure keeps the listing.
func TestReleaseChecks(t *testing.T) {
	url, reqs, fail := mirrorWith(t, "release-1.0", "release-1.1!")
	production := map[string]string{"env": "production", "github-repo": "example/site", "github-api-url": url}
	staging := with(production, "env", "staging")
	cfg := clusterConfig(t, production)
	clock := &fakeClock{now: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)}
	ct := runChecks(t, NewReleaseChecker(zap.NewNop(), nil), clock.Now)

	tellChecks(t, ct, production, false)
	r := awaitResult(t, ct, "of the term's first check", checkedAt(clock.Now()))
	if got := r.Latest(cfg); r.Err != nil || got == nil || got.Tag != "release-1.0" {
		t.Fatalf("production latest = %v, %v", got, r.Err)
	}
	if got := r.Latest(clusterConfig(t, staging)); got == nil || got.Tag != "release-1.1" {
		t.Fatalf("staging latest = %v", got)
	}

	// Each check is one request: after the forced one, whatever was told
	// before it made none.
	before := reqs.Load()
	clock.Advance(30 * time.Second)
	tellChecks(t, ct, staging, false) // env is not a client setting
	clock.Advance(10 * time.Second)
	tellChecks(t, ct, production, false) // 40s into 1m
	clock.Advance(10 * time.Second)
	tellChecks(t, ct, production, true)
	forcedAt := clock.Now()
	awaitResult(t, ct, "of the forced check", checkedAt(forcedAt))
	if n := reqs.Load() - before; n != 1 {
		t.Errorf("%d requests up to the forced check, want its own only", n)
	}
	clock.Advance(59 * time.Second)
	tellChecks(t, ct, production, false)
	clock.Advance(time.Second)
	tellChecks(t, ct, production, false) // the interval since the forced check has passed
	awaitResult(t, ct, "a minute after the forced check", checkedAt(forcedAt.Add(time.Minute)))
	if n := reqs.Load() - before; n != 2 {
		t.Errorf("%d requests up to the next poll, want 2", n)
	}

	fail.Store(true)
	clock.Advance(time.Second)
	tellChecks(t, ct, production, true)
	r = awaitResult(t, ct, "of the failing check", checkedAt(clock.Now()))
	if !errors.Is(r.Err, releases.ErrUnauthorized) {
		t.Errorf("err = %v, want ErrUnauthorized", r.Err)
	}
	if got := r.Latest(cfg); got == nil || got.Tag != "release-1.0" {
		t.Errorf("an outage lost the pick: %v", got)
	}
}

func TestReleaseChecksRebuildClientOnConfigChange(t *testing.T) {
	urlA, _, _ := mirrorWith(t, "release-1.0")
	urlB, _, _ := mirrorWith(t, "release-2.0")
	c := NewReleaseChecker(zap.NewNop(), nil)
	var built atomic.Int64
	real := c.newLister
	c.newLister = func(o releases.Options) (ReleaseLister, error) {
		built.Add(1)
		return real(o)
	}
	clock := &fakeClock{now: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)}
	ct := runChecks(t, c, clock.Now)
	for i, step := range []struct {
		url, token, want string
		builds           int64
	}{
		{urlA, "", "release-1.0", 1},
		{urlA, "", "release-1.0", 1},    // unchanged: same client
		{urlB, "", "release-2.0", 2},    // api url changed
		{urlB, "tok", "release-2.0", 3}, // token changed
	} {
		clock.Advance(time.Second)
		kv := map[string]string{"env": "production", "github-repo": "example/site", "github-api-url": step.url, "github-token": step.token}
		tellChecks(t, ct, kv, true)
		r := awaitResult(t, ct, "of a forced check", checkedAt(clock.Now()))
		if got := r.Latest(clusterConfig(t, kv)); r.Err != nil || got == nil || got.Tag != step.want || built.Load() != step.builds {
			t.Errorf("step %d: latest %v (%v), %d clients built; want %s, %d", i, got, r.Err, built.Load(), step.want, step.builds)
		}
	}
}

func TestReleaseChecksWithoutRepo(t *testing.T) {
	ct := runChecks(t, NewReleaseChecker(zap.NewNop(), nil), time.Now)
	if err := ct.tell(t.Context(), config.DefaultCluster(), false); err != nil {
		t.Fatal(err)
	}
	r := awaitResult(t, ct, "without a repo", func(*CheckResult) bool { return true })
	if !errors.Is(r.Err, ErrNoRepo) {
		t.Fatalf("err = %v, want ErrNoRepo", r.Err)
	}
	if r.Latest(config.DefaultCluster()) != nil {
		t.Error("latest without a repo")
	}
}
