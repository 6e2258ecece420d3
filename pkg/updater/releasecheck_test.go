package updater

import (
	"context"
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

func TestReleaseChecker(t *testing.T) {
	url, reqs, fail := mirrorWith(t, "release-1.0", "release-1.1!")
	cfg := clusterConfig(t, map[string]string{"env": "production", "github-repo": "example/site", "github-api-url": url})
	c := NewReleaseChecker(zap.NewNop(), nil)
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	ctx := context.Background()

	if !c.Due(cfg, now, false) {
		t.Fatal("a never-checked checker is not due")
	}
	if err := c.Check(ctx, cfg, now); err != nil {
		t.Fatal(err)
	}
	if got := c.Latest(cfg); got == nil || got.Tag != "release-1.0" {
		t.Fatalf("production latest = %v", got)
	}
	if c.Due(cfg, now.Add(30*time.Second), false) || !c.Due(cfg, now.Add(time.Minute), false) || !c.Due(cfg, now, true) {
		t.Error("Due does not follow check-update-interval (1m) and force")
	}
	for k, v := range map[string]string{"github-token": "ghp_new", "github-repo": "example/other", "proxy": "http://127.0.0.1:3128"} {
		changed := clusterConfig(t, map[string]string{"env": "production", "github-repo": "example/site", "github-api-url": url, k: v})
		if !c.Due(changed, now, false) {
			t.Errorf("changing %s does not make a check due at once", k)
		}
	}
	if other := clusterConfig(t, map[string]string{"env": "staging", "github-repo": "example/site", "github-api-url": url}); c.Due(other, now, false) {
		t.Error("changing env made a check due; it only re-picks from the listing")
	}

	// An env change re-picks from the kept listing without a request.
	before := reqs.Load()
	staging := clusterConfig(t, map[string]string{"env": "staging", "github-repo": "example/site", "github-api-url": url})
	if got := c.Latest(staging); got == nil || got.Tag != "release-1.1" {
		t.Fatalf("staging latest = %v", got)
	}
	if reqs.Load() != before {
		t.Error("re-picking for a new env made a request")
	}

	// A failing check keeps the listing and reports the error.
	fail.Store(true)
	err := c.Check(ctx, cfg, now.Add(time.Minute))
	if !errors.Is(err, releases.ErrUnauthorized) {
		t.Fatalf("err = %v, want ErrUnauthorized", err)
	}
	if at, serr := c.Status(); !errors.Is(serr, releases.ErrUnauthorized) || !at.Equal(now.Add(time.Minute)) {
		t.Errorf("Status = %v, %v", at, serr)
	}
	if got := c.Latest(cfg); got == nil || got.Tag != "release-1.0" {
		t.Errorf("an outage lost the pick: %v", got)
	}
}

func TestReleaseCheckerRebuildsClientOnConfigChange(t *testing.T) {
	urlA, _, _ := mirrorWith(t, "release-1.0")
	urlB, _, _ := mirrorWith(t, "release-2.0")
	c := NewReleaseChecker(zap.NewNop(), nil)
	var built []releases.Options
	real := c.newLister
	c.newLister = func(o releases.Options) (ReleaseLister, error) {
		built = append(built, o)
		return real(o)
	}
	ctx, now := context.Background(), time.Now()
	for i, step := range []struct {
		url, token, want string
		builds           int
	}{
		{urlA, "", "release-1.0", 1},
		{urlA, "", "release-1.0", 1},    // unchanged: same client
		{urlB, "", "release-2.0", 2},    // api url changed
		{urlB, "tok", "release-2.0", 3}, // token changed
	} {
		cfg := clusterConfig(t, map[string]string{"env": "production", "github-repo": "example/site",
			"github-api-url": step.url, "github-token": step.token})
		if err := c.Check(ctx, cfg, now); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if got := c.Latest(cfg); got == nil || got.Tag != step.want || len(built) != step.builds {
			t.Errorf("step %d: latest %v, %d clients built; want %s, %d", i, got, len(built), step.want, step.builds)
		}
	}
}

func TestReleaseCheckerWithoutRepo(t *testing.T) {
	c := NewReleaseChecker(zap.NewNop(), nil)
	cfg := config.DefaultCluster()
	if err := c.Check(context.Background(), cfg, time.Now()); !errors.Is(err, ErrNoRepo) {
		t.Fatalf("err = %v, want ErrNoRepo", err)
	}
	if c.Latest(cfg) != nil {
		t.Error("latest without a repo")
	}
}
