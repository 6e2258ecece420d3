package mirror

import (
	"io"
	"net/http"
	"strings"
	"time"

	"go.uber.org/zap"
)

// ServerOptions configures NewServer.
type ServerOptions struct {
	// Logger receives one debug line per request and warnings about
	// unreadable releases; nil discards them.
	Logger *zap.Logger
	// BaseURL is the mirror's public root URL, e.g.
	// "https://mirror.example.com/github", for when clients reach it through
	// a proxy. Empty means "http(s)://" plus the request's Host.
	BaseURL string
}

// server serves a mirror directory. It holds no state about the releases:
// every request reads the directory, so a release published while serving
// is visible at once and nothing needs invalidating.
type server struct {
	dir     string
	baseURL string
	log     *zap.Logger
	corrupt corruptLog // corrupt deployments files already logged
}

// NewServer returns a handler that serves the mirror at dir with GitHub's
// REST API paths at its root:
//
//	GET /repos/{owner}/{repo}/releases?per_page=N&page=P
//	GET /repos/{owner}/{repo}/releases/latest
//	GET /repos/{owner}/{repo}/releases/tags/{tag}
//	GET /repos/{owner}/{repo}/releases/{id}
//	GET /repos/{owner}/{repo}/releases/assets/{id}
//	GET /{owner}/{repo}/releases/download/{tag}/{name}
//	GET /repos/{owner}/{repo}/deployments?ref=R&environment=E&per_page=N&page=P
//	GET /repos/{owner}/{repo}/deployments/{id}
//	GET /repos/{owner}/{repo}/deployments/{id}/statuses?per_page=N&page=P
//	GET /repos/{owner}/{repo}/deployments/{id}/statuses/{status_id}
//
// A go-github client whose BaseURL is the mirror's root URL (with a
// trailing slash) works against it unchanged.
func NewServer(dir string, opts ServerOptions) http.Handler {
	s := &server{
		dir:     dir,
		baseURL: strings.TrimRight(opts.BaseURL, "/"),
		log:     opts.Logger,
	}
	if s.log == nil {
		s.log = zap.NewNop()
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/repos/{owner}/{repo}/releases", s.listReleases)
	mux.HandleFunc("/repos/{owner}/{repo}/releases/latest", s.latestRelease)
	mux.HandleFunc("/repos/{owner}/{repo}/releases/tags/{tag}", s.releaseByTag)
	mux.HandleFunc("/repos/{owner}/{repo}/releases/{id}", s.releaseByID)
	mux.HandleFunc("/repos/{owner}/{repo}/releases/assets/{id}", s.asset)
	mux.HandleFunc("/{owner}/{repo}/releases/download/{tag}/{name}", s.download)
	mux.HandleFunc("/repos/{owner}/{repo}/deployments", s.listDeployments)
	mux.HandleFunc("/repos/{owner}/{repo}/deployments/{id}", s.deployment)
	mux.HandleFunc("/repos/{owner}/{repo}/deployments/{id}/statuses", s.listDeploymentStatuses)
	mux.HandleFunc("/repos/{owner}/{repo}/deployments/{id}/statuses/{status}", s.deploymentStatus)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { s.notFound(w, r) })
	return s.logRequests(readOnly(s, mux))
}

// readOnly answers every method but GET and HEAD with 405 before routing.
// Methods are checked here rather than in the mux patterns because the mux
// would answer 405 in plain text, and clients expect GitHub's JSON errors.
func readOnly(s *server, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			s.writeError(w, http.StatusMethodNotAllowed, "Method Not Allowed")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// logRequests logs every request at debug level once it is answered.
func (s *server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		s.log.Debug("request",
			zap.String(logKeyMethod, r.Method),
			zap.String(logKeyPath, r.URL.Path),
			zap.Int(logKeyStatus, rec.status),
			zap.Int64(logKeyBytes, rec.bytes),
			zap.Duration(logKeyDuration, time.Since(start)))
	})
}

// statusRecorder remembers the status and body size for the request log.
type statusRecorder struct {
	http.ResponseWriter
	status  int
	bytes   int64
	written bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.written {
		r.status, r.written = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(p []byte) (int, error) {
	r.written = true
	n, err := r.ResponseWriter.Write(p)
	r.bytes += int64(n)
	return n, err
}

// ReadFrom keeps http.ServeContent's sendfile(2) path for downloads,
// which wrapping the ResponseWriter would otherwise hide.
func (r *statusRecorder) ReadFrom(src io.Reader) (int64, error) {
	r.written = true
	n, err := io.Copy(r.ResponseWriter, src)
	r.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// repoURLs returns the URL builder for owner/repo as seen by r's client.
func (s *server) repoURLs(r *http.Request, owner, repo string) repoURLs {
	base := s.baseURL
	if base == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	return repoURLs{base: base, owner: owner, repo: repo}
}

// pathNames returns the named path values, or answers 404 and returns
// false when one is not a valid name: such a path cannot exist in the
// mirror, and it must never reach the file system.
func (s *server) pathNames(w http.ResponseWriter, r *http.Request, keys ...string) ([]string, bool) {
	vals := make([]string, len(keys))
	for i, k := range keys {
		vals[i] = r.PathValue(k)
		if checkName(vals[i]) != nil {
			s.notFound(w, r)
			return nil, false
		}
	}
	return vals, true
}
