package mirror

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"strconv"
	"strings"

	"go.uber.org/zap"
)

const (
	mediaTypeJSON = "application/json; charset=utf-8"
	// cacheControl makes caches revalidate every time, as GitHub does for
	// authenticated requests; the ETag makes revalidation cheap.
	cacheControl = "private, max-age=0, must-revalidate"
	// docsURL is what GitHub puts in documentation_url of its errors.
	docsURL = "https://docs.github.com/rest"
)

// writeJSON answers 200 with v, or 304 without a body when the client's
// If-None-Match already names this body. The ETag is a hash of the body,
// so it changes exactly when the answer does, without any bookkeeping;
// pollers that send it back cost one directory read and no transfer.
func (s *server) writeJSON(w http.ResponseWriter, r *http.Request, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:]) + `"`
	h := w.Header()
	h.Set("ETag", etag)
	h.Set("Cache-Control", cacheControl)
	if etagMatches(r.Header.Values("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", mediaTypeJSON)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	// The client may be gone; there is nobody left to tell.
	_, _ = w.Write(body)
}

// etagMatches implements If-None-Match's weak comparison (RFC 9110
// 13.1.2): "*" or any listed tag equal to etag ignoring a W/ prefix.
func etagMatches(headers []string, etag string) bool {
	for _, h := range headers {
		for _, t := range strings.Split(h, ",") {
			t = strings.TrimSpace(t)
			if t == "*" || strings.TrimPrefix(t, "W/") == etag {
				return true
			}
		}
	}
	return false
}

// writeError answers with GitHub's error body.
func (s *server) writeError(w http.ResponseWriter, status int, message string) {
	body, _ := json.Marshal(apiError{Message: message, DocumentationURL: docsURL})
	h := w.Header()
	h.Set("Content-Type", mediaTypeJSON)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func (s *server) notFound(w http.ResponseWriter, _ *http.Request) {
	s.writeError(w, http.StatusNotFound, "Not Found")
}

func (s *server) internalError(w http.ResponseWriter, r *http.Request, err error) {
	s.log.Error("request failed", zap.String(logKeyPath, r.URL.Path), zap.Error(err))
	s.writeError(w, http.StatusInternalServerError, "Internal Server Error")
}

// fail answers a lookup error: 404 when the repository, release or asset
// does not exist, 500 (logged) for anything else, such as an I/O error.
func (s *server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, errRepoNotFound) || errors.Is(err, fs.ErrNotExist) {
		s.notFound(w, r)
		return
	}
	s.internalError(w, r, err)
}
