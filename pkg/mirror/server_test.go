package mirror_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/necoship/neco/pkg/mirror"
)

// TestLegacyNodeID pins the node id format against GitHub's documented
// examples, so that the test's own expectation cannot drift.
func TestLegacyNodeID(t *testing.T) {
	for _, tt := range []struct{ typ, want string }{
		{"Release", "MDc6UmVsZWFzZTE="},
		{"ReleaseAsset", "MDEyOlJlbGVhc2VBc3NldDE="},
	} {
		if got := legacyNodeID(tt.typ, 1); got != tt.want {
			t.Errorf("legacyNodeID(%s, 1) = %s, want %s", tt.typ, got, tt.want)
		}
	}
}

// TestETag checks the conditional requests neco's poller relies on: a
// matching If-None-Match gets 304 with no body, and publishing changes
// the ETag at once.
func TestETag(t *testing.T) {
	f := newFixture(t, mirror.ServerOptions{})
	f.publish(mirror.PublishRequest{Tag: "v1", PublishedAt: baseTime}, nil)
	const path = "/repos/" + testRepo + "/releases"
	resp, _ := f.get(http.MethodGet, path, nil)
	etag := resp.Header.Get("ETag")
	if len(etag) != 66 || etag[0] != '"' || etag[65] != '"' {
		t.Fatalf("ETag %q is not a quoted sha256", etag)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "private, max-age=0, must-revalidate" {
		t.Errorf("Cache-Control %q", cc)
	}
	for _, inm := range []string{etag, "W/" + etag, `"other", ` + etag} {
		resp, body := f.get(http.MethodGet, path, http.Header{"If-None-Match": {inm}})
		if resp.StatusCode != http.StatusNotModified || len(body) != 0 {
			t.Errorf("If-None-Match %s: status %d, body %q; want 304 and no body", inm, resp.StatusCode, body)
		}
		if got := resp.Header.Get("ETag"); got != etag {
			t.Errorf("If-None-Match %s: ETag %q, want %q", inm, got, etag)
		}
	}
	f.publish(mirror.PublishRequest{Tag: "v2", PublishedAt: baseTime.Add(time.Hour)}, nil)
	resp, body := f.get(http.MethodGet, path, http.Header{"If-None-Match": {etag}})
	if resp.StatusCode != http.StatusOK || resp.Header.Get("ETag") == etag {
		t.Fatalf("after publish: status %d, ETag %q (old %q)", resp.StatusCode, resp.Header.Get("ETag"), etag)
	}
	var rels []ghRelease
	if err := json.Unmarshal(body, &rels); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"v2", "v1"}, tags(rels)); diff != "" {
		t.Errorf("tags (-want +got):\n%s", diff)
	}
}

// TestLatest checks GitHub's definition of latest against drafts and
// pre-releases, and that the list still shows all of them.
func TestLatest(t *testing.T) {
	type pub struct {
		tag               string
		draft, prerelease bool
		hours             int
	}
	tests := []struct {
		name       string
		pubs       []pub
		wantLatest string // "" means 404
		wantList   []string
	}{
		{"none", nil, "", []string{}},
		{"newest stable", []pub{{"v1", false, false, 0}, {"v2", false, false, 1}}, "v2", []string{"v2", "v1"}},
		{"skips newer prerelease and draft",
			[]pub{{"v1", false, false, 0}, {"v2-rc", false, true, 1}, {"v3", true, false, 2}},
			"v1", []string{"v3", "v2-rc", "v1"}},
		{"only prerelease and draft", []pub{{"v1", true, false, 0}, {"v2", false, true, 1}}, "", []string{"v2", "v1"}},
		{"same time: higher id wins", []pub{{"b", false, false, 0}, {"a", false, false, 0}}, "a", []string{"a", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, mirror.ServerOptions{})
			if err := os.MkdirAll(filepath.Join(f.dir, testRepo), 0o755); err != nil {
				t.Fatal(err)
			}
			for _, p := range tt.pubs {
				f.publish(mirror.PublishRequest{Tag: p.tag, Draft: p.draft, Prerelease: p.prerelease,
					PublishedAt: baseTime.Add(time.Duration(p.hours) * time.Hour)}, nil)
			}
			var list []ghRelease
			f.getJSON("/repos/"+testRepo+"/releases", http.StatusOK, &list)
			if diff := cmp.Diff(tt.wantList, tags(list)); diff != "" {
				t.Errorf("list (-want +got):\n%s", diff)
			}
			if tt.wantLatest == "" {
				var e map[string]string
				f.getJSON("/repos/"+testRepo+"/releases/latest", http.StatusNotFound, &e)
				return
			}
			var rel ghRelease
			f.getJSON("/repos/"+testRepo+"/releases/latest", http.StatusOK, &rel)
			if rel.TagName != tt.wantLatest {
				t.Errorf("latest = %s, want %s", rel.TagName, tt.wantLatest)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	f := newFixture(t, mirror.ServerOptions{})
	f.publish(mirror.PublishRequest{Tag: "v1"}, map[string]string{"a.deb": "a"})
	repo := "/repos/" + testRepo
	tests := []struct {
		method, path string
		want         int
		wantMessage  string
	}{
		{"GET", "/repos/nobody/nothing/releases", 404, "Not Found"},
		{"GET", "/repos/nobody/nothing/releases/latest", 404, "Not Found"},
		{"GET", repo + "/releases/tags/v9", 404, "Not Found"},
		{"GET", repo + "/releases/tags/a%2Fb", 404, "Not Found"},
		{"GET", repo + "/releases/tags/..%2F..%2Fetc", 404, "Not Found"},
		{"GET", repo + "/releases/999", 404, "Not Found"},
		{"GET", repo + "/releases/abc", 404, "Not Found"},
		{"GET", repo + "/releases/assets/999", 404, "Not Found"},
		{"GET", "/" + testRepo + "/releases/download/v1/missing.deb", 404, "Not Found"},
		{"GET", "/" + testRepo + "/releases/download/v9/a.deb", 404, "Not Found"},
		{"GET", "/nothing/here", 404, "Not Found"},
		{"GET", repo + "/releases?per_page=abc", 400, `per_page "abc" is not a positive integer`},
		{"GET", repo + "/releases?per_page=0", 400, `per_page "0" is not a positive integer`},
		{"GET", repo + "/releases?page=0", 400, `page "0" is not a positive integer`},
		{"GET", repo + "/releases?page=99999999999999999999", 400, `page "99999999999999999999" is not a positive integer`},
		{"POST", repo + "/releases", 405, "Method Not Allowed"},
		{"DELETE", repo + "/releases/1", 405, "Method Not Allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			resp, body := f.get(tt.method, tt.path, nil)
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d, want %d; body %s", resp.StatusCode, tt.want, body)
			}
			var e struct {
				Message          string `json:"message"`
				DocumentationURL string `json:"documentation_url"`
			}
			if err := json.Unmarshal(body, &e); err != nil {
				t.Fatalf("body %q: %v", body, err)
			}
			if e.Message != tt.wantMessage || !strings.HasPrefix(e.DocumentationURL, "https://docs.github.com/") {
				t.Errorf("error body %+v, want message %q", e, tt.wantMessage)
			}
		})
	}
}

// TestCorruptRelease checks that one unreadable release.json is logged
// with its path and skipped, while the rest of the repository is served.
func TestCorruptRelease(t *testing.T) {
	f := newFixture(t, mirror.ServerOptions{})
	f.publish(mirror.PublishRequest{Tag: "v1", PublishedAt: baseTime}, nil)
	f.publish(mirror.PublishRequest{Tag: "v2", PublishedAt: baseTime.Add(time.Hour)}, nil)
	corrupt := filepath.Join(f.dir, testRepo, "releases", "v2", "release.json")
	if err := os.WriteFile(corrupt, []byte(`{"id": 2, "tag_name":`), 0o644); err != nil {
		t.Fatal(err)
	}
	var list []ghRelease
	f.getJSON("/repos/"+testRepo+"/releases", http.StatusOK, &list)
	if diff := cmp.Diff([]string{"v1"}, tags(list)); diff != "" {
		t.Errorf("list (-want +got):\n%s", diff)
	}
	var latest ghRelease
	f.getJSON("/repos/"+testRepo+"/releases/latest", http.StatusOK, &latest)
	if latest.TagName != "v1" {
		t.Errorf("latest = %s, want v1", latest.TagName)
	}
	var e map[string]string
	f.getJSON("/repos/"+testRepo+"/releases/tags/v2", http.StatusNotFound, &e)

	entries := f.logs.TakeAll()
	if len(entries) != 3 {
		t.Fatalf("got %d warnings, want one per request (3): %v", len(entries), entries)
	}
	for _, e := range entries {
		if got := e.ContextMap()["file"]; got != corrupt {
			t.Errorf("warning file = %v, want %s", got, corrupt)
		}
	}
}

// TestDownloadRange checks that downloads support Range (resuming) and
// HEAD, which http.ServeContent provides.
func TestDownloadRange(t *testing.T) {
	f := newFixture(t, mirror.ServerOptions{})
	f.publish(mirror.PublishRequest{Tag: "v1", NoChecksums: true}, map[string]string{"a.deb": "0123456789"})
	path := "/" + testRepo + "/releases/download/v1/a.deb"
	resp, body := f.get(http.MethodGet, path, http.Header{"Range": {"bytes=3-5"}})
	if resp.StatusCode != http.StatusPartialContent || string(body) != "345" {
		t.Errorf("Range: status %d body %q, want 206 \"345\"", resp.StatusCode, body)
	}
	resp, body = f.get(http.MethodHead, path, nil)
	if resp.StatusCode != http.StatusOK || len(body) != 0 || resp.ContentLength != 10 {
		t.Errorf("HEAD: status %d, body %q, length %d", resp.StatusCode, body, resp.ContentLength)
	}
}

// TestBaseURL checks that a configured public URL replaces the Host in
// every URL, including the asset redirect.
func TestBaseURL(t *testing.T) {
	const base = "https://mirror.example.com/github"
	f := newFixture(t, mirror.ServerOptions{BaseURL: base + "/"})
	f.publish(mirror.PublishRequest{Tag: "v1", PublishedAt: baseTime, NoChecksums: true}, map[string]string{"a.deb": "a"})
	var rel ghRelease
	f.getJSON("/repos/"+testRepo+"/releases/tags/v1", http.StatusOK, &rel)
	want := wantRelease(base, "v1", 1, baseTime)
	want.Assets = []ghAsset{wantAsset(base, "v1", 2, "a.deb", "application/vnd.debian.binary-package", 1)}
	if diff := cmp.Diff(want, rel); diff != "" {
		t.Errorf("release (-want +got):\n%s", diff)
	}
	resp, _ := f.get(http.MethodGet, "/repos/"+testRepo+"/releases/assets/2",
		http.Header{"Accept": {"application/octet-stream"}})
	if loc := resp.Header.Get("Location"); loc != want.Assets[0].BrowserDownloadURL {
		t.Errorf("Location %q, want %q", loc, want.Assets[0].BrowserDownloadURL)
	}
}
