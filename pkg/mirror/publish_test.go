package mirror_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/necoship/neco/pkg/mirror"
	"github.com/necoship/neco/pkg/model"
)

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// TestPublishThenServe publishes one release and reads it back through
// every endpoint, comparing the full JSON a GitHub client would decode.
func TestPublishThenServe(t *testing.T) {
	f := newFixture(t, mirror.ServerOptions{})
	const tag = "release-2026.11.23-1"
	files := map[string]string{
		"neco_2026.11.23-1_amd64.deb": "not really a deb",
		"notes.txt":                   "release-1;rm -rf /", // only content; never a name
	}
	got := f.publish(mirror.PublishRequest{Tag: tag, Body: "first", PublishedAt: baseTime}, files)

	sums := sha256Hex(files["neco_2026.11.23-1_amd64.deb"]) + "  neco_2026.11.23-1_amd64.deb\n" +
		sha256Hex(files["notes.txt"]) + "  notes.txt\n"
	wantModel := model.Release{
		Tag: tag, Prefix: "release", Version: model.MustParseVersion("2026.11.23-1"),
		PublishedAt: baseTime,
		Assets: []model.Asset{
			{ID: 2, Name: "neco_2026.11.23-1_amd64.deb", Size: 16},
			{ID: 3, Name: "notes.txt", Size: 18},
			{ID: 4, Name: "SHA256SUMS", Size: int64(len(sums))},
		},
	}
	versionEq := cmp.Comparer(func(a, b model.Version) bool { return a.String() == b.String() })
	if diff := cmp.Diff(wantModel, got, versionEq); diff != "" {
		t.Errorf("Publish() mismatch (-want +got):\n%s", diff)
	}

	want := wantRelease(f.srv.URL, tag, 1, baseTime)
	want.Body = "first"
	want.Assets = []ghAsset{
		wantAsset(f.srv.URL, tag, 2, "neco_2026.11.23-1_amd64.deb", "application/vnd.debian.binary-package", 16),
		wantAsset(f.srv.URL, tag, 3, "notes.txt", "text/plain", 18),
		wantAsset(f.srv.URL, tag, 4, "SHA256SUMS", "text/plain", int64(len(sums))),
	}

	var list []ghRelease
	f.getJSON("/repos/"+testRepo+"/releases", http.StatusOK, &list)
	if diff := cmp.Diff([]ghRelease{want}, list); diff != "" {
		t.Errorf("list mismatch (-want +got):\n%s", diff)
	}
	for _, path := range []string{"/releases/tags/" + tag, "/releases/latest", "/releases/1"} {
		var rel ghRelease
		f.getJSON("/repos/"+testRepo+path, http.StatusOK, &rel)
		if diff := cmp.Diff(want, rel); diff != "" {
			t.Errorf("GET %s mismatch (-want +got):\n%s", path, diff)
		}
	}
	var asset ghAsset
	f.getJSON("/repos/"+testRepo+"/releases/assets/4", http.StatusOK, &asset)
	if diff := cmp.Diff(want.Assets[2], asset); diff != "" {
		t.Errorf("asset JSON mismatch (-want +got):\n%s", diff)
	}

	files["SHA256SUMS"] = sums
	for _, a := range want.Assets {
		if body := f.download(a); string(body) != files[a.Name] {
			t.Errorf("download %s = %q, want %q", a.Name, body, files[a.Name])
		}
	}
}

// download fetches an asset the way go-github's DownloadReleaseAsset
// does: API URL with Accept: application/octet-stream, expect a 302, then
// follow Location.
func (f *fixture) download(a ghAsset) []byte {
	f.t.Helper()
	path := strings.TrimPrefix(a.URL, f.srv.URL)
	resp, _ := f.get(http.MethodGet, path, http.Header{"Accept": {"application/octet-stream"}})
	if resp.StatusCode != http.StatusFound {
		f.t.Fatalf("GET %s: status %d, want 302", path, resp.StatusCode)
	}
	if loc := resp.Header.Get("Location"); loc != a.BrowserDownloadURL {
		f.t.Fatalf("GET %s: Location %q, want %q", path, loc, a.BrowserDownloadURL)
	}
	resp, body := f.get(http.MethodGet, strings.TrimPrefix(a.BrowserDownloadURL, f.srv.URL), nil)
	if resp.StatusCode != http.StatusOK {
		f.t.Fatalf("GET %s: status %d", a.BrowserDownloadURL, resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/octet-stream" {
		f.t.Errorf("GET %s: Content-Type %q", a.BrowserDownloadURL, ct)
	}
	if cl := resp.Header.Get("Content-Length"); cl != strconv.FormatInt(a.Size, 10) {
		f.t.Errorf("GET %s: Content-Length %q, want %d", a.BrowserDownloadURL, cl, a.Size)
	}
	return body
}

// TestPublishJSONFieldNames pins the exact key sets, so that a renamed
// struct tag cannot silently break go-github's decoding.
func TestPublishJSONFieldNames(t *testing.T) {
	f := newFixture(t, mirror.ServerOptions{})
	f.publish(mirror.PublishRequest{Tag: "release-1.0", PublishedAt: baseTime}, map[string]string{"a.deb": "a"})
	var list []map[string]json.RawMessage
	f.getJSON("/repos/"+testRepo+"/releases", http.StatusOK, &list)
	var assets []map[string]json.RawMessage
	if err := json.Unmarshal(list[0]["assets"], &assets); err != nil {
		t.Fatal(err)
	}
	releaseKeys := []string{"assets", "assets_url", "author", "body", "created_at", "draft", "html_url",
		"id", "name", "node_id", "prerelease", "published_at", "tag_name", "tarball_url",
		"target_commitish", "upload_url", "url", "zipball_url"}
	assetKeys := []string{"browser_download_url", "content_type", "created_at", "download_count", "id",
		"label", "name", "node_id", "size", "state", "updated_at", "uploader", "url"}
	if diff := cmp.Diff(releaseKeys, slices.Sorted(maps.Keys(list[0]))); diff != "" {
		t.Errorf("release keys (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(assetKeys, slices.Sorted(maps.Keys(assets[0]))); diff != "" {
		t.Errorf("asset keys (-want +got):\n%s", diff)
	}
}

func TestPublishChecksums(t *testing.T) {
	given := "0000  a.deb\n"
	tests := []struct {
		name        string
		files       map[string]string
		noChecksums bool
		wantAssets  []string
		wantSums    string // "" when there is no SHA256SUMS
	}{
		{"generated, sorted by name", map[string]string{"b.deb": "b", "a.deb": "a"}, false,
			[]string{"a.deb", "b.deb", "SHA256SUMS"}, sha256Hex("a") + "  a.deb\n" + sha256Hex("b") + "  b.deb\n"},
		{"given is kept", map[string]string{"a.deb": "a", "SHA256SUMS": given}, false,
			[]string{"SHA256SUMS", "a.deb"}, given},
		{"disabled", map[string]string{"a.deb": "a"}, true, []string{"a.deb"}, ""},
		{"no files", nil, false, []string{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, mirror.ServerOptions{})
			rel := f.publish(mirror.PublishRequest{Tag: "v1", NoChecksums: tt.noChecksums}, tt.files)
			names := []string{}
			for _, a := range rel.Assets {
				names = append(names, a.Name)
			}
			if diff := cmp.Diff(tt.wantAssets, names); diff != "" {
				t.Errorf("assets (-want +got):\n%s", diff)
			}
			if tt.wantSums == "" {
				return
			}
			resp, body := f.get(http.MethodGet, "/"+testRepo+"/releases/download/v1/SHA256SUMS", nil)
			if resp.StatusCode != http.StatusOK || string(body) != tt.wantSums {
				t.Errorf("SHA256SUMS = %d %q, want %q", resp.StatusCode, body, tt.wantSums)
			}
		})
	}
}

func TestPublishRefusals(t *testing.T) {
	dir := t.TempDir()
	if _, err := mirror.Publish(dir, mirror.PublishRequest{Repo: testRepo, Tag: "v1"}); err != nil {
		t.Fatal(err)
	}
	scratch := t.TempDir()
	sameName := []string{filepath.Join(scratch, "x", "a.deb"), filepath.Join(scratch, "y", "a.deb")}
	badFile := filepath.Join(scratch, "bad name.deb")
	for _, p := range append(sameName, badFile) {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	long := strings.Repeat("a", mirror.MaxNameLen+1)
	tests := []struct {
		name string
		req  mirror.PublishRequest
		want error
	}{
		{"existing tag", mirror.PublishRequest{Repo: testRepo, Tag: "v1"}, mirror.ErrExists},
		{"tag ../x", mirror.PublishRequest{Repo: testRepo, Tag: "../x"}, mirror.ErrInvalidName},
		{"tag a/b", mirror.PublishRequest{Repo: testRepo, Tag: "a/b"}, mirror.ErrInvalidName},
		{"tag with ; and space", mirror.PublishRequest{Repo: testRepo, Tag: "release-1;rm -rf /"}, mirror.ErrInvalidName},
		{"tag ..", mirror.PublishRequest{Repo: testRepo, Tag: ".."}, mirror.ErrInvalidName},
		{"hidden tag", mirror.PublishRequest{Repo: testRepo, Tag: ".v1"}, mirror.ErrInvalidName},
		{"empty tag", mirror.PublishRequest{Repo: testRepo}, mirror.ErrInvalidName},
		{"long tag", mirror.PublishRequest{Repo: testRepo, Tag: long}, mirror.ErrInvalidName},
		{"repo without owner", mirror.PublishRequest{Repo: "neco", Tag: "v2"}, mirror.ErrInvalidName},
		{"repo ../x", mirror.PublishRequest{Repo: "../x", Tag: "v2"}, mirror.ErrInvalidName},
		{"repo a/b/c", mirror.PublishRequest{Repo: "a/b/c", Tag: "v2"}, mirror.ErrInvalidName},
		{"duplicate asset", mirror.PublishRequest{Repo: testRepo, Tag: "v2", Files: sameName}, mirror.ErrInvalidName},
		{"bad asset name", mirror.PublishRequest{Repo: testRepo, Tag: "v2", Files: []string{badFile}}, mirror.ErrInvalidName},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := mirror.Publish(dir, tt.req)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Publish() error = %v, want %v", err, tt.want)
			}
			top, releases := releaseDirs(t, dir)
			if diff := cmp.Diff([]string{".lock", ".next-id", "cybozu-go"}, top); diff != "" {
				t.Errorf("mirror top level (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"v1"}, releases); diff != "" {
				t.Errorf("releases (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := mirror.Publish(dir, mirror.PublishRequest{Repo: testRepo, Tag: "v1"}); err == nil ||
		!strings.Contains(err.Error(), "already exists") {
		t.Errorf("existing tag error %q does not say so", err)
	}
}

// TestPublishAtomic checks that a failure after staging began (here a
// missing or unreadable file) leaves neither a release nor a staging dir.
func TestPublishAtomic(t *testing.T) {
	tests := []struct {
		name  string
		files func(dir string) []string
	}{
		{"missing file", func(dir string) []string {
			return []string{filepath.Join(dir, "a.deb"), filepath.Join(dir, "missing.deb")}
		}},
		{"directory", func(dir string) []string {
			if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
				t.Fatal(err)
			}
			return []string{filepath.Join(dir, "a.deb"), filepath.Join(dir, "sub")}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, scratch := t.TempDir(), t.TempDir()
			if err := os.WriteFile(filepath.Join(scratch, "a.deb"), []byte("a"), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := mirror.Publish(dir, mirror.PublishRequest{Repo: testRepo, Tag: "v1", Files: tt.files(scratch)})
			if err == nil {
				t.Fatal("Publish() succeeded")
			}
			top, releases := releaseDirs(t, dir)
			if len(top) != 0 || len(releases) != 0 {
				t.Errorf("left behind: top %v, releases %v", top, releases)
			}
		})
	}
}
