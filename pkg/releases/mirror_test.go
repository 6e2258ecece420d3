package releases_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/necoship/neco/pkg/mirror"
	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/releases"
)

// TestClientAgainstMirror reads a neco mirror with the same client that
// reads GitHub: listing, picking, fetching by tag and a verified download
// through the API asset URL and its redirect.
func TestClientAgainstMirror(t *testing.T) {
	dir := t.TempDir()
	src := t.TempDir()
	deb := filepath.Join(src, "site_2026.11.23-1_amd64.deb")
	if err := os.WriteFile(deb, []byte("payload of the site package"), 0o644); err != nil {
		t.Fatal(err)
	}
	publish := func(tag string, pre bool) {
		t.Helper()
		_, err := mirror.Publish(dir, mirror.PublishRequest{
			Repo: "example/site", Tag: tag, Prerelease: pre, Files: []string{deb},
			PublishedAt: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC),
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	publish("release-2026.11.22-1", false)
	publish("release-2026.11.23-1", true)
	srv := httptest.NewServer(mirror.NewServer(dir, mirror.ServerOptions{}))
	t.Cleanup(srv.Close)

	c, err := releases.New(releases.Options{APIURL: srv.URL, Repo: "example/site"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	rs, err := c.ListReleases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	picks := map[model.Env]string{}
	for _, env := range []model.Env{model.EnvProduction, model.EnvStaging} {
		r, ok := releases.Channel{Env: env, Prefixes: []string{"release"}}.Pick(rs)
		if !ok {
			t.Fatalf("%s picked nothing from %v", env, rs)
		}
		picks[env] = r.Tag
	}
	if picks[model.EnvProduction] != "release-2026.11.22-1" || picks[model.EnvStaging] != "release-2026.11.23-1" {
		t.Errorf("picks = %v", picks)
	}

	// A second listing is answered 304 by the mirror.
	if _, err := c.ListReleases(ctx); err != nil {
		t.Fatal(err)
	}
	if s := c.Stats(); s.NotModified != 1 {
		t.Errorf("stats = %+v, want one 304 from the mirror", s)
	}

	rel, err := c.ReleaseByTag(ctx, "release-2026.11.23-1")
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	v, err := c.FetchVerified(ctx, rel, "site_2026.11.23-1_amd64.deb", out, &releases.Verifier{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(v.Path)
	if err != nil || string(got) != "payload of the site package" {
		t.Fatalf("downloaded %q, %v", got, err)
	}
}

// TestMirrorChecksumMismatchRefused publishes a SHA256SUMS that does not
// match the package: the download is refused and nothing is left.
func TestMirrorChecksumMismatchRefused(t *testing.T) {
	dir, src := t.TempDir(), t.TempDir()
	deb := filepath.Join(src, "site_1.0_amd64.deb")
	sums := filepath.Join(src, "SHA256SUMS")
	_ = os.WriteFile(deb, []byte("the real package"), 0o644)
	_ = os.WriteFile(sums, []byte("0000000000000000000000000000000000000000000000000000000000000000  site_1.0_amd64.deb\n"), 0o644)
	if _, err := mirror.Publish(dir, mirror.PublishRequest{Repo: "example/site", Tag: "release-1.0", Files: []string{deb, sums}}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(mirror.NewServer(dir, mirror.ServerOptions{}))
	t.Cleanup(srv.Close)
	c, _ := releases.New(releases.Options{APIURL: srv.URL, Repo: "example/site"})
	rel, err := c.ReleaseByTag(context.Background(), "release-1.0")
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	_, err = c.FetchVerified(context.Background(), rel, "site_1.0_amd64.deb", out, nil)
	if !errors.Is(err, releases.ErrChecksumMismatch) {
		t.Fatalf("err = %v, want ErrChecksumMismatch", err)
	}
	if entries, _ := os.ReadDir(out); len(entries) != 0 {
		t.Errorf("refused download left %v", entries)
	}
}

// TestClientPaginatesMirror lists more than one page (100) of releases
// from a mirror through go-github's Link handling.
func TestClientPaginatesMirror(t *testing.T) {
	dir := t.TempDir()
	const n = 120
	for i := range n {
		_, err := mirror.Publish(dir, mirror.PublishRequest{
			Repo: "example/site", Tag: fmt.Sprintf("release-1.%d", i), NoChecksums: true,
			PublishedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute),
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(mirror.NewServer(dir, mirror.ServerOptions{}))
	t.Cleanup(srv.Close)
	c, _ := releases.New(releases.Options{APIURL: srv.URL, Repo: "example/site"})
	rs, err := c.ListReleases(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != n {
		t.Fatalf("listed %d releases, want %d", len(rs), n)
	}
	if s := c.Stats(); s.Requests != 2 {
		t.Errorf("%d requests, want 2 pages", s.Requests)
	}
	r, _ := releases.Channel{Env: model.EnvProduction, Prefixes: []string{"release"}}.Pick(rs)
	if r.Tag != fmt.Sprintf("release-1.%d", n-1) {
		t.Errorf("picked %s", r.Tag)
	}
}

// TestListingMeasuresTheSourceClock: a listing carries how far the
// source's clock (its Date header) ran ahead of the reader's, so that
// published_at can be read on the reader's clock; a clock that agrees
// gives none.
func TestListingMeasuresTheSourceClock(t *testing.T) {
	dir := t.TempDir()
	if _, err := mirror.Publish(dir, mirror.PublishRequest{Repo: "example/site", Tag: "release-2026.11.23-1", NoChecksums: true}); err != nil {
		t.Fatal(err)
	}
	for _, ahead := range []time.Duration{0, 30 * time.Minute, -3 * time.Hour} {
		api := mirror.NewServer(dir, mirror.ServerOptions{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Date", time.Now().Add(ahead).UTC().Format(http.TimeFormat))
			api.ServeHTTP(w, r)
		}))
		c, err := releases.New(releases.Options{APIURL: srv.URL, Repo: "example/site"})
		if err != nil {
			t.Fatal(err)
		}
		rs, err := c.ListReleases(context.Background())
		srv.Close()
		if err != nil || len(rs) != 1 {
			t.Fatalf("ahead %s: %v, %v", ahead, rs, err)
		}
		// The Date header has a resolution of a second.
		if d := rs[0].SourceSkew - ahead; d < -2*time.Second || d > 2*time.Second {
			t.Errorf("ahead %s: SourceSkew %s", ahead, rs[0].SourceSkew)
		}
		if got, want := rs[0].Published(), rs[0].PublishedAt.Add(-rs[0].SourceSkew); !got.Equal(want) {
			t.Errorf("ahead %s: Published %s, want %s", ahead, got, want)
		}
	}
}
