package mirror_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"
	"go.uber.org/zap/zaptest/observer"

	"github.com/necoship/neco/pkg/mirror"
	"github.com/necoship/neco/pkg/model"
)

// This file holds the fixture every test shares: a mirror directory, a
// real HTTP server over it, and the JSON shapes a GitHub client decodes.

const testRepo = "cybozu-go/neco-apps"

var baseTime = time.Date(2026, 11, 23, 1, 2, 3, 0, time.UTC)

type fixture struct {
	t    *testing.T
	dir  string
	srv  *httptest.Server
	logs *observer.ObservedLogs
}

// newFixture starts a server over an empty mirror. Warnings are recorded
// for assertions; everything is also sent to the test log.
func newFixture(t *testing.T, opts mirror.ServerOptions) *fixture {
	t.Helper()
	core, logs := observer.New(zapcore.WarnLevel)
	opts.Logger = zap.New(zapcore.NewTee(core, zaptest.NewLogger(t).Core()))
	f := &fixture{t: t, dir: t.TempDir(), logs: logs}
	f.srv = httptest.NewServer(mirror.NewServer(f.dir, opts))
	t.Cleanup(f.srv.Close)
	return f
}

// publish publishes req into the fixture's mirror, creating each file of
// files (base name => content) in a scratch directory first.
func (f *fixture) publish(req mirror.PublishRequest, files map[string]string) model.Release {
	f.t.Helper()
	if req.Repo == "" {
		req.Repo = testRepo
	}
	req.Files = append(req.Files, writeFiles(f.t, files)...)
	rel, err := mirror.Publish(f.dir, req)
	if err != nil {
		f.t.Fatalf("Publish(%s): %v", req.Tag, err)
	}
	return rel
}

// writeFiles creates files in a fresh directory and returns their paths,
// sorted by name so that asset order is deterministic.
func writeFiles(t *testing.T, files map[string]string) []string {
	t.Helper()
	dir := t.TempDir()
	var paths []string
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	slices.Sort(paths)
	return paths
}

// get performs a request with a client that does not follow redirects,
// so tests see the 302 of an asset download as go-github does.
func (f *fixture) get(method, path string, header http.Header) (*http.Response, []byte) {
	f.t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	resp, err := client.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	return resp, body
}

// getJSON GETs path, requires want as the status, and decodes the body.
func (f *fixture) getJSON(path string, want int, v any) *http.Response {
	f.t.Helper()
	resp, body := f.get(http.MethodGet, path, nil)
	if resp.StatusCode != want {
		f.t.Fatalf("GET %s: status %d, want %d; body %s", path, resp.StatusCode, want, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		f.t.Errorf("GET %s: Content-Type %q", path, ct)
	}
	if err := json.Unmarshal(body, v); err != nil {
		f.t.Fatalf("GET %s: %v; body %s", path, err, body)
	}
	return resp
}

// releaseDirs lists what is in the mirror's top directory and in the test
// repository's releases directory, to check that failures leave nothing.
func releaseDirs(t *testing.T, dir string) (top, releases []string) {
	t.Helper()
	owner, name, _ := strings.Cut(testRepo, "/")
	return mustReadDir(t, dir), mustReadDir(t, filepath.Join(dir, owner, name, "releases"))
}

func mustReadDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// ghUser, ghRelease and ghAsset mirror the fields go-github decodes.
type ghUser struct {
	Login     string `json:"login"`
	ID        int64  `json:"id"`
	NodeID    string `json:"node_id"`
	Type      string `json:"type"`
	SiteAdmin bool   `json:"site_admin"`
}

type ghRelease struct {
	URL             string    `json:"url"`
	HTMLURL         string    `json:"html_url"`
	AssetsURL       string    `json:"assets_url"`
	UploadURL       string    `json:"upload_url"`
	TarballURL      string    `json:"tarball_url"`
	ZipballURL      string    `json:"zipball_url"`
	ID              int64     `json:"id"`
	NodeID          string    `json:"node_id"`
	TagName         string    `json:"tag_name"`
	TargetCommitish string    `json:"target_commitish"`
	Name            string    `json:"name"`
	Body            string    `json:"body"`
	Draft           bool      `json:"draft"`
	Prerelease      bool      `json:"prerelease"`
	CreatedAt       time.Time `json:"created_at"`
	PublishedAt     time.Time `json:"published_at"`
	Author          ghUser    `json:"author"`
	Assets          []ghAsset `json:"assets"`
}

type ghAsset struct {
	URL                string    `json:"url"`
	BrowserDownloadURL string    `json:"browser_download_url"`
	ID                 int64     `json:"id"`
	NodeID             string    `json:"node_id"`
	Name               string    `json:"name"`
	Label              string    `json:"label"`
	State              string    `json:"state"`
	ContentType        string    `json:"content_type"`
	Size               int64     `json:"size"`
	DownloadCount      int64     `json:"download_count"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
	Uploader           ghUser    `json:"uploader"`
}

func tags(rels []ghRelease) []string {
	out := make([]string, 0, len(rels))
	for _, r := range rels {
		out = append(out, r.TagName)
	}
	return out
}

// wantRelease is the JSON the server should produce for a release of
// testRepo without assets, published at at, as seen through base.
func wantRelease(base, tag string, id int64, at time.Time) ghRelease {
	self := base + "/repos/" + testRepo + "/releases/" + strconv.FormatInt(id, 10)
	return ghRelease{
		URL:             self,
		HTMLURL:         base + "/" + testRepo + "/releases/tag/" + tag,
		AssetsURL:       self + "/assets",
		UploadURL:       self + "/assets{?name,label}",
		TarballURL:      base + "/repos/" + testRepo + "/tarball/" + tag,
		ZipballURL:      base + "/repos/" + testRepo + "/zipball/" + tag,
		ID:              id,
		NodeID:          legacyNodeID("Release", id),
		TagName:         tag,
		TargetCommitish: tag,
		Name:            tag,
		CreatedAt:       at,
		PublishedAt:     at,
		Author:          mirrorUser,
		Assets:          []ghAsset{},
	}
}

func wantAsset(base, tag string, id int64, name, contentType string, size int64) ghAsset {
	return ghAsset{
		URL:                base + "/repos/" + testRepo + "/releases/assets/" + strconv.FormatInt(id, 10),
		BrowserDownloadURL: base + "/" + testRepo + "/releases/download/" + tag + "/" + name,
		ID:                 id,
		NodeID:             legacyNodeID("ReleaseAsset", id),
		Name:               name,
		State:              "uploaded",
		ContentType:        contentType,
		Size:               size,
		CreatedAt:          baseTime,
		UpdatedAt:          baseTime,
		Uploader:           mirrorUser,
	}
}

var mirrorUser = ghUser{Login: "neco-mirror", ID: 1, NodeID: legacyNodeID("Bot", 1), Type: "Bot"}

// legacyNodeID is GitHub's old node id format, e.g. "MDc6UmVsZWFzZTE="
// for release 1 in GitHub's own documentation.
func legacyNodeID(typ string, id int64) string {
	return base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf("0%d:%s%d", len(typ), typ, id)))
}
