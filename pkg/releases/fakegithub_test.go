package releases

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
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
}

type fakeRelease struct {
	id          int64
	tag         string
	prerelease  bool
	draft       bool
	publishedAt time.Time
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
	f := &fakeGitHub{}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
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
	writeJSONWithETag(w, r, items)
}

func (f *fakeGitHub) serveTag(w http.ResponseWriter, r *http.Request, tag string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, rel := range f.releases {
		if rel.tag == tag {
			writeJSONWithETag(w, r, f.releaseJSON(rel))
			return
		}
	}
	writeGitHubError(w, http.StatusNotFound, "Not Found")
}

// serveAsset answers the API asset URL; with Accept: application/octet-stream
// GitHub redirects to a storage host, which we imitate under /storage/.
func (f *fakeGitHub) serveAsset(w http.ResponseWriter, r *http.Request, id string) {
	a := f.asset(id)
	if a == nil {
		writeGitHubError(w, http.StatusNotFound, "Not Found")
		return
	}
	if r.Header.Get("Accept") == "application/octet-stream" {
		http.Redirect(w, r, fmt.Sprintf("%s/storage/%d", f.srv.URL, a.id), http.StatusFound)
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
		"body":             "",
		"draft":            r.draft,
		"prerelease":       r.prerelease,
		"created_at":       r.publishedAt.Format(time.RFC3339),
		"published_at":     r.publishedAt.Format(time.RFC3339),
		"assets":           assets,
	}
}

func writeJSONWithETag(w http.ResponseWriter, r *http.Request, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:]) + `"`
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
	_, _ = w.Write(body)
}

func writeGitHubError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]string{
		"message":           msg,
		"documentation_url": "https://docs.github.com/rest",
	})
}
