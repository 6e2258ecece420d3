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

// Bounds of the conditional-request cache: a listing page is a few
// hundred KiB unless its releases have long notes; a bigger body is
// passed through whole and not remembered, so it costs a full request on
// every poll but is never cut. The whole cache holds at most
// maxCachedEntries and maxCachedBytes; past either, the oldest entry goes.
const (
	maxCachedBody    = 8 << 20
	maxCachedEntries = 256
	maxCachedBytes   = 64 << 20
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
	next    http.RoundTripper
	maxBody int64 // maxCachedBody; smaller in tests

	mu      sync.Mutex
	entries map[string]*cachedResponse
	order   []string // insertion order, for eviction
	bytes   int64    // sum of the remembered bodies

	requests    atomic.Int64
	notModified atomic.Int64
}

type cachedResponse struct {
	etag   string
	header http.Header
	body   []byte
}

func newConditionalTransport(next http.RoundTripper) *conditionalTransport {
	return &conditionalTransport{next: next, maxBody: maxCachedBody, entries: map[string]*cachedResponse{}}
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
// bounds. It never changes what the caller reads: a body over the bound is
// handed on whole (what was read to find out, then the rest of the
// stream) and not remembered, and a failed read reaches the caller as the
// same failure, not as a short body. A 200 it does not remember makes it
// forget what it remembered for key: that ETag is stale.
func (t *conditionalTransport) store(key string, resp *http.Response) *http.Response {
	etag := resp.Header.Get("ETag")
	if etag == "" || !isJSON(resp.Header.Get("Content-Type")) || resp.ContentLength > t.maxBody {
		t.forget(key)
		return resp
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, t.maxBody+1))
	if err != nil {
		t.forget(key)
		_ = resp.Body.Close()
		resp.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), errReader{err}))
		return resp
	}
	if int64(len(body)) > t.maxBody {
		t.forget(key)
		resp.Body = prefixedBody{Reader: io.MultiReader(bytes.NewReader(body), resp.Body), Closer: resp.Body}
		return resp
	}
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	t.remember(key, &cachedResponse{etag: etag, header: resp.Header.Clone(), body: body})
	return resp
}

// remember keeps c under key, then forgets the oldest entries until the
// cache is within its bounds again.
func (t *conditionalTransport) remember(key string, c *cachedResponse) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if old, ok := t.entries[key]; ok {
		t.bytes -= int64(len(old.body))
	} else {
		t.order = append(t.order, key)
	}
	t.entries[key] = c
	t.bytes += int64(len(c.body))
	for len(t.order) > maxCachedEntries || t.bytes > maxCachedBytes {
		t.bytes -= int64(len(t.entries[t.order[0]].body))
		delete(t.entries, t.order[0])
		t.order = t.order[1:]
	}
}

// prefixedBody is a body whose first bytes were already read: they are
// read again, then the rest of the original, which it closes.
type prefixedBody struct {
	io.Reader
	io.Closer
}

func (t *conditionalTransport) lookup(key string) *cachedResponse {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.entries[key]
}

func (t *conditionalTransport) forget(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	old, ok := t.entries[key]
	if !ok {
		return
	}
	t.bytes -= int64(len(old.body))
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
