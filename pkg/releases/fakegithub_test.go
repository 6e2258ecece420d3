package releases

import (
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeGitHub serves the part of GitHub's REST API neco uses, with JSON
// written from GitHub's documented field names (not go-github's structs),
// and records every request so tests can assert what the client sent.
type fakeGitHub struct {
	srv *httptest.Server
	// storage is where asset downloads are redirected: another origin
	// (port), as GitHub's storage host is another host.
	storage *httptest.Server

	mu          sync.Mutex
	releases    []*fakeRelease    // newest first
	deployments []*fakeDeployment // newest first
	requests    []*http.Request
	deployCalls []deployCall
	// onStatus, when set, is called after a deployment status is created.
	onStatus func(deployment int64, state string)
	// intercept, when set, may answer a request before the default
	// handler; it returns true when it did.
	intercept func(w http.ResponseWriter, r *http.Request) bool
	// wire says how release JSON is sent (chunked, gzip).
	wire wire
}

// wire is how a JSON answer goes over the wire.
type wire struct {
	// chunked sends the headers before the body, so the body is chunked
	// and has no Content-Length, whatever its size.
	chunked bool
	// gzip compresses the body when the request accepts it, as GitHub
	// does, with a weak ETag as GitHub gives compressed answers.
	gzip bool
}

type fakeRelease struct {
	id          int64
	tag         string
	prerelease  bool
	draft       bool
	publishedAt time.Time
	notes       string // the release's body, its notes
	assets      []*fakeAsset
	// failingChecks: the tagged commit has a failing commit status, so
	// GitHub refuses to deploy it unless required_contexts is [].
	failingChecks bool
}

type fakeAsset struct {
	id   int64
	name string
	data []byte
	// size, when non-zero, is what the JSON claims instead of len(data).
	size int64
}

const fakeOwner, fakeRepo = "example", "site"

func newFakeGitHub(t *testing.T) *fakeGitHub {
	t.Helper()
	return newFakeGitHubOn(t, "127.0.0.1")
}

// newFakeGitHubOn serves the fake API on host (an address of this
// machine: 127.0.0.2 is another host than 127.0.0.1 to a client, and
// Linux answers on all of 127.0.0.0/8). Its storage is on 127.0.0.1.
func newFakeGitHubOn(t *testing.T, host string) *fakeGitHub {
	t.Helper()
	f := &fakeGitHub{}
	f.srv = serveOn(t, host, http.HandlerFunc(f.serve))
	f.storage = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.storage.Close)
	return f
}

// serveOn starts an httptest server listening on host, any port.
func serveOn(t *testing.T, host string, h http.Handler) *httptest.Server {
	t.Helper()
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Fatalf("listen on %s: %v", host, err)
	}
	srv := httptest.NewUnstartedServer(h)
	_ = srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

// add appends a release; later adds are newer.
func (f *fakeGitHub) add(r *fakeRelease) *fakeRelease {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.id == 0 {
		r.id = int64(1000 + len(f.releases))
	}
	for i, a := range r.assets {
		if a.id == 0 {
			a.id = r.id*100 + int64(i)
		}
	}
	if r.publishedAt.IsZero() {
		r.publishedAt = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(len(f.releases)) * time.Hour)
	}
	f.releases = append([]*fakeRelease{r}, f.releases...)
	return r
}

func (f *fakeGitHub) recorded() []*http.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*http.Request(nil), f.requests...)
}

func (f *fakeGitHub) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests = append(f.requests, r.Clone(r.Context()))
	intercept := f.intercept
	f.mu.Unlock()
	if intercept != nil && intercept(w, r) {
		return
	}
	prefix := fmt.Sprintf("/repos/%s/%s/releases", fakeOwner, fakeRepo)
	switch p := r.URL.Path; {
	case strings.HasPrefix(p, fmt.Sprintf("/repos/%s/%s/deployments", fakeOwner, fakeRepo)):
		f.serveDeployments(w, r)
	case p == prefix:
		f.serveList(w, r)
	case strings.HasPrefix(p, prefix+"/tags/"):
		f.serveTag(w, r, strings.TrimPrefix(p, prefix+"/tags/"))
	case strings.HasPrefix(p, prefix+"/assets/"):
		f.serveAsset(w, r, strings.TrimPrefix(p, prefix+"/assets/"))
	case strings.HasPrefix(p, "/storage/"):
		f.serveStorage(w, strings.TrimPrefix(p, "/storage/"))
	default:
		writeGitHubError(w, http.StatusNotFound, "Not Found")
	}
}

func (f *fakeGitHub) serveList(w http.ResponseWriter, r *http.Request) {
	perPage, _ := strconv.Atoi(r.URL.Query().Get("per_page"))
	if perPage <= 0 {
		perPage = 30
	}
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	if page <= 0 {
		page = 1
	}
	f.mu.Lock()
	all := f.releases
	wire := f.wire
	var items []any
	for i := (page - 1) * perPage; i < len(all) && i < page*perPage; i++ {
		items = append(items, f.releaseJSON(all[i]))
	}
	last := (len(all) + perPage - 1) / perPage
	f.mu.Unlock()
	if items == nil {
		items = []any{}
	}
	if page < last {
		link := func(p int) string {
			return fmt.Sprintf("<%s%s?page=%d&per_page=%d>", f.srv.URL, r.URL.Path, p, perPage)
		}
		w.Header().Set("Link", link(page+1)+`; rel="next", `+link(last)+`; rel="last"`)
	}
	writeJSONWire(w, r, items, wire)
}

func (f *fakeGitHub) serveTag(w http.ResponseWriter, r *http.Request, tag string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, rel := range f.releases {
		if rel.tag == tag {
			writeJSONWire(w, r, f.releaseJSON(rel), f.wire)
			return
		}
	}
	writeGitHubError(w, http.StatusNotFound, "Not Found")
}

// serveAsset answers the API asset URL; with Accept: application/octet-stream
// GitHub redirects to a storage host, which we imitate under /storage/ of
// f.storage.
func (f *fakeGitHub) serveAsset(w http.ResponseWriter, r *http.Request, id string) {
	a := f.asset(id)
	if a == nil {
		writeGitHubError(w, http.StatusNotFound, "Not Found")
		return
	}
	if r.Header.Get("Accept") == "application/octet-stream" {
		http.Redirect(w, r, fmt.Sprintf("%s/storage/%d", f.storage.URL, a.id), http.StatusFound)
		return
	}
	writeJSONWithETag(w, r, map[string]any{"id": a.id, "name": a.name, "size": len(a.data)})
}

func (f *fakeGitHub) serveStorage(w http.ResponseWriter, id string) {
	a := f.asset(id)
	if a == nil {
		http.NotFound(w, nil)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	_, _ = w.Write(a.data)
}

func (f *fakeGitHub) asset(id string) *fakeAsset {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, rel := range f.releases {
		for _, a := range rel.assets {
			if strconv.FormatInt(a.id, 10) == id {
				return a
			}
		}
	}
	return nil
}

// releaseJSON renders a release with the field names of GitHub's
// "Get a release" response.
func (f *fakeGitHub) releaseJSON(r *fakeRelease) map[string]any {
	base := fmt.Sprintf("%s/repos/%s/%s/releases", f.srv.URL, fakeOwner, fakeRepo)
	assets := []any{}
	for _, a := range r.assets {
		size := a.size
		if size == 0 {
			size = int64(len(a.data))
		}
		assets = append(assets, map[string]any{
			"url":                  fmt.Sprintf("%s/assets/%d", base, a.id),
			"browser_download_url": fmt.Sprintf("%s/%s/%s/releases/download/%s/%s", f.srv.URL, fakeOwner, fakeRepo, r.tag, a.name),
			"id":                   a.id,
			"node_id":              "RA_" + strconv.FormatInt(a.id, 10),
			"name":                 a.name,
			"label":                "",
			"state":                "uploaded",
			"content_type":         "application/octet-stream",
			"size":                 size,
			"download_count":       0,
			"created_at":           r.publishedAt.Format(time.RFC3339),
			"updated_at":           r.publishedAt.Format(time.RFC3339),
		})
	}
	return map[string]any{
		"url":              fmt.Sprintf("%s/%d", base, r.id),
		"html_url":         fmt.Sprintf("%s/%s/%s/releases/tag/%s", f.srv.URL, fakeOwner, fakeRepo, r.tag),
		"assets_url":       fmt.Sprintf("%s/%d/assets", base, r.id),
		"id":               r.id,
		"node_id":          "RE_" + strconv.FormatInt(r.id, 10),
		"tag_name":         r.tag,
		"target_commitish": "main",
		"name":             r.tag,
		"body":             r.notes,
		"draft":            r.draft,
		"prerelease":       r.prerelease,
		"created_at":       r.publishedAt.Format(time.RFC3339),
		"published_at":     r.publishedAt.Format(time.RFC3339),
		"assets":           assets,
	}
}

func writeJSONWithETag(w http.ResponseWriter, r *http.Request, v any) {
	writeJSONWire(w, r, v, wire{})
}

func writeJSONWire(w http.ResponseWriter, r *http.Request, v any, how wire) {
	body, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:]) + `"`
	compress := how.gzip && strings.Contains(r.Header.Get("Accept-Encoding"), "gzip")
	if compress {
		etag = "W/" + etag
	}
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "private, max-age=60, s-maxage=60")
	w.Header().Set("X-RateLimit-Limit", "5000")
	w.Header().Set("X-RateLimit-Remaining", "4999")
	w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10))
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if compress {
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Vary", "Accept-Encoding")
	}
	if how.chunked {
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
	}
	if !compress {
		_, _ = w.Write(body)
		return
	}
	zw := gzip.NewWriter(w)
	_, _ = zw.Write(body)
	_ = zw.Close()
}

func writeGitHubError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]string{
		"message":           msg,
		"documentation_url": "https://docs.github.com/rest",
	})
}
