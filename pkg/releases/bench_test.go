package releases_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/necoship/neco/pkg/mirror"
	"github.com/necoship/neco/pkg/releases"
)

// BenchmarkListReleases compares a listing the server must send in full
// with one answered 304 from the conditional cache (the steady state of a
// poller), over 100 releases served by a mirror on loopback.
func BenchmarkListReleases(b *testing.B) {
	dir := b.TempDir()
	for i := range 100 {
		_, err := mirror.Publish(dir, mirror.PublishRequest{Repo: "example/site", Tag: fmt.Sprintf("release-1.%d", i),
			NoChecksums: true, PublishedAt: time.Date(2026, 1, 1, 0, i, 0, 0, time.UTC)})
		if err != nil {
			b.Fatal(err)
		}
	}
	srv := httptest.NewServer(mirror.NewServer(dir, mirror.ServerOptions{}))
	b.Cleanup(srv.Close)
	ctx := context.Background()
	b.Run("fresh", func(b *testing.B) {
		for b.Loop() {
			c, _ := releases.New(releases.Options{APIURL: srv.URL, Repo: "example/site"})
			if _, err := c.ListReleases(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("not-modified", func(b *testing.B) {
		c, _ := releases.New(releases.Options{APIURL: srv.URL, Repo: "example/site"})
		if _, err := c.ListReleases(ctx); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := c.ListReleases(ctx); err != nil {
				b.Fatal(err)
			}
		}
		if s := c.Stats(); s.NotModified < int64(b.N) {
			b.Fatalf("%d of %d listings were 304", s.NotModified, b.N)
		}
	})
}
