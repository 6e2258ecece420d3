package releases_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime/metrics"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/releases"
)

// rssURLEnv hands the page's server to the child process of
// BenchmarkReleaseCheckRSS.
const rssURLEnv = "NECO_BENCH_RSS_URL"

// BenchmarkReleaseCheckRSS measures the memory one release check takes:
// a new client lists one page of 100 releases with 100 KB of notes each
// (10 MB of JSON, sent chunked as GitHub does) and picks a release. Each
// check runs in a fresh process (this test binary, run again with the
// default GOGC), so the number is that check's and not what earlier
// iterations or the benchmark's own server left. Reported, the highest
// over the iterations:
//   - peak-rss-MiB: the child's VmHWM from /proc/self/status after the
//     check, the most it was ever resident, the test binary's pages
//     included. The goal of issue 20: under 64 MiB.
//   - base-rss-MiB: the same before the check (binary and runtime alone).
//   - heap-MiB: the Go heap's objects right after the check, live or not
//     yet collected (runtime/metrics has no heap high-water mark).
//
// The page's server runs in the benchmark's process, not the child's.
func BenchmarkReleaseCheckRSS(b *testing.B) {
	srv := httptest.NewServer(notesPage(b, 100, 100_000))
	b.Cleanup(srv.Close)
	var peak, base, heap float64
	for b.Loop() {
		cmd := exec.Command(os.Args[0], "-test.run=^TestReleaseCheckRSSChild$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), rssURLEnv+"="+srv.URL)
		out, err := cmd.CombinedOutput()
		if err != nil {
			b.Fatalf("child: %v\n%s", err, out)
		}
		var p, s, h float64
		line := outputLine(string(out), "rss:")
		if _, err := fmt.Sscanf(line, "rss: peak %g base %g heap %g", &p, &s, &h); err != nil {
			b.Fatalf("child said %q: %v\n%s", line, err, out)
		}
		peak, base, heap = max(peak, p), max(base, s), max(heap, h)
	}
	b.ReportMetric(peak, "peak-rss-MiB")
	b.ReportMetric(base, "base-rss-MiB")
	b.ReportMetric(heap, "heap-MiB")
}

// TestReleaseCheckRSSChild is BenchmarkReleaseCheckRSS's child; without
// its environment it does nothing.
func TestReleaseCheckRSSChild(t *testing.T) {
	url := os.Getenv(rssURLEnv)
	if url == "" {
		t.Skip("run by BenchmarkReleaseCheckRSS")
	}
	base := vmKiB(t, "VmHWM")
	c, err := releases.New(releases.Options{APIURL: url, Repo: "example/site"})
	if err != nil {
		t.Fatal(err)
	}
	rs, err := c.ListReleases(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	r, ok := releases.Channel{Env: model.EnvProduction, Prefixes: []string{"release"}}.Pick(rs)
	if !ok || r.Tag != "release-1.99" {
		t.Fatalf("picked %q of %d releases", r.Tag, len(rs))
	}
	heap := heapInUse()
	fmt.Printf("rss: peak %.1f base %.1f heap %.1f\n", float64(vmKiB(t, "VmHWM"))/1024, float64(base)/1024, heap/(1<<20))
}

// notesPage serves one page of n releases with notes bytes of notes each,
// with GitHub's field names, an ETag, and no Content-Length.
func notesPage(b *testing.B, n, notes int) http.Handler {
	var items []map[string]any
	for i := n - 1; i >= 0; i-- {
		tag := fmt.Sprintf("release-1.%d", i)
		items = append(items, map[string]any{
			"id": i + 1, "tag_name": tag, "name": tag, "draft": false, "prerelease": false,
			"published_at": time.Date(2026, 1, 1, 0, i, 0, 0, time.UTC).Format(time.RFC3339),
			"html_url":     "https://github.com/example/site/releases/tag/" + tag,
			"body":         strings.Repeat(fmt.Sprintf("- change %d of the site\n", i), notes/24),
			"assets":       []any{},
		})
	}
	page, err := json.Marshal(items)
	if err != nil {
		b.Fatal(err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("ETag", `"page-1"`)
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush() // chunked, as GitHub sends large pages
		_, _ = w.Write(page)
	})
}

// vmKiB reads one "Vm" line of /proc/self/status, in KiB.
func vmKiB(t *testing.T, name string) int64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	v := outputLine(string(status), name+":")
	kib, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(strings.TrimPrefix(v, name+":")), " kB"), 10, 64)
	if err != nil {
		t.Fatalf("/proc/self/status %s: %v", name, err)
	}
	return kib
}

func outputLine(out, prefix string) string {
	for line := range strings.Lines(out) {
		if strings.HasPrefix(line, prefix) {
			return strings.TrimSpace(line)
		}
	}
	return ""
}

// heapInUse is the Go heap's live and not yet collected objects.
func heapInUse() float64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return float64(s[0].Value.Uint64())
}
