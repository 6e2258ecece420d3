package releases

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
)

// Bounds of the conditional-request cache. Release listings are a few
// hundred KiB per page at most; anything bigger is passed through uncached.
const (
	maxCachedBody    = 8 << 20
	maxCachedEntries = 256
)

// conditionalTransport makes every repeated GET conditional: it remembers
// the ETag and body of each successful JSON response per URL (and per
// credential), sends If-None-Match next time, and turns a 304 into the
// remembered 200 so go-github never sees the difference. GitHub does not
// count an authorised 304 against the rate limit, so a steady-state poll
// is free.
//
// Unlike an RFC 9111 cache it never answers from memory without asking:
// a webhook-triggered check must see a release published a second ago,
// and GitHub's max-age=60 would hide it. See docs/releases.md.
type conditionalTransport struct {
	next http.RoundTripper

	mu      sync.Mutex
	entries map[string]*cachedResponse
	order   []string // insertion order, for eviction

	requests    atomic.Int64
	notModified atomic.Int64
}

type cachedResponse struct {
	etag   string
	header http.Header
	body   []byte
}

func newConditionalTransport(next http.RoundTripper) *conditionalTransport {
	return &conditionalTransport{next: next, entries: map[string]*cachedResponse{}}
}

// cacheKey separates credentials so one token's private response is never
// served to another; the credential itself is hashed, never stored.
func cacheKey(req *http.Request) string {
	sum := sha256.Sum256([]byte(req.Header.Get("Authorization")))
	return req.URL.String() + "\x00" + hex.EncodeToString(sum[:8])
}

func (t *conditionalTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.requests.Add(1)
	if req.Method != http.MethodGet || req.Header.Get("Range") != "" {
		return t.next.RoundTrip(req)
	}
	key := cacheKey(req)
	cached := t.lookup(key)
	out := req
	if cached != nil && req.Header.Get("If-None-Match") == "" {
		out = req.Clone(req.Context())
		out.Header.Set("If-None-Match", cached.etag)
	}
	resp, err := t.next.RoundTrip(out)
	if err != nil {
		return nil, err
	}
	switch {
	case resp.StatusCode == http.StatusNotModified && cached != nil:
		t.notModified.Add(1)
		return cached.response(req, resp), nil
	case resp.StatusCode == http.StatusOK:
		return t.store(key, resp), nil
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		t.forget(key)
	}
	return resp, nil
}

// response rebuilds the remembered 200, with the fresh headers of the 304
// (rate-limit counters, date) laid over the remembered ones.
func (c *cachedResponse) response(req *http.Request, notModified *http.Response) *http.Response {
	_, _ = io.Copy(io.Discard, io.LimitReader(notModified.Body, 4096))
	_ = notModified.Body.Close()
	h := c.header.Clone()
	for k, v := range notModified.Header {
		h[k] = v
	}
	return &http.Response{
		Status:        "200 OK",
		StatusCode:    http.StatusOK,
		Proto:         notModified.Proto,
		ProtoMajor:    notModified.ProtoMajor,
		ProtoMinor:    notModified.ProtoMinor,
		Header:        h,
		Body:          io.NopCloser(bytes.NewReader(c.body)),
		ContentLength: int64(len(c.body)),
		Request:       req,
	}
}

// store remembers a 200 JSON response that carries an ETag and fits the
// bounds; anything else is handed back untouched.
func (t *conditionalTransport) store(key string, resp *http.Response) *http.Response {
	etag := resp.Header.Get("ETag")
	if etag == "" || !isJSON(resp.Header.Get("Content-Type")) || resp.ContentLength > maxCachedBody {
		return resp
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxCachedBody+1))
	_ = resp.Body.Close()
	if err != nil {
		// Hand the failure to the caller as a broken body, not a short one.
		resp.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), errReader{err}))
		return resp
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if len(body) > maxCachedBody {
		return resp
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.entries[key]; !ok {
		t.order = append(t.order, key)
	}
	t.entries[key] = &cachedResponse{etag: etag, header: resp.Header.Clone(), body: body}
	for len(t.order) > maxCachedEntries {
		delete(t.entries, t.order[0])
		t.order = t.order[1:]
	}
	return resp
}

func (t *conditionalTransport) lookup(key string) *cachedResponse {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.entries[key]
}

func (t *conditionalTransport) forget(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.entries[key]; !ok {
		return
	}
	delete(t.entries, key)
	for i, k := range t.order {
		if k == key {
			t.order = append(t.order[:i], t.order[i+1:]...)
			break
		}
	}
}

func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
