package images

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// registryProxy sits between containerd and docker-registry so that a
// test can see every request, and make the registry slow or dishonest.
type registryProxy struct {
	host    string // host:port to put in refs
	forward *httputil.ReverseProxy

	mu       sync.Mutex
	requests []string       // "METHOD /path" of every request
	auths    []string       // the Authorization header of every request
	inFlight map[string]int // repository -> blob requests being served
	// maxRepos is the most repositories that had blob requests in
	// flight at the same moment.
	maxRepos int
	// holdFirst keeps the first blob request waiting until a blob
	// request of another repository arrives, or holdTimeout passes.
	holdFirst bool
	held      bool
	overlap   chan struct{} // closed once maxRepos reaches 2
	blobSeen  chan struct{} // closed at the first blob request
	// stallBlobs keeps every blob request waiting until its client
	// gives up.
	stallBlobs bool
	// rewrite serves another path's answer: a registry that lies.
	rewrite map[string]string
	// redirectBlobs, a host:port, answers every blob request with a 307
	// to the same path there, as registries send clients to a blob store.
	redirectBlobs string
}

const holdTimeout = 3 * time.Second

func newRegistryProxy(t *testing.T, registry string) *registryProxy {
	t.Helper()
	target := &url.URL{Scheme: "http", Host: registry}
	p := &registryProxy{
		forward:  httputil.NewSingleHostReverseProxy(target),
		inFlight: make(map[string]int),
		overlap:  make(chan struct{}),
		blobSeen: make(chan struct{}),
		rewrite:  make(map[string]string),
	}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	p.host = strings.TrimPrefix(srv.URL, "http://")
	return p
}

func (p *registryProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	repo, isBlob := blobRepository(r.URL.Path)
	wait, stall := p.enter(r, repo, isBlob)
	if isBlob {
		defer p.leave(repo)
	}
	if wait != nil {
		select {
		case <-wait:
		case <-time.After(holdTimeout):
		case <-r.Context().Done():
			return
		}
	}
	if stall {
		<-r.Context().Done()
		return
	}
	if to := p.redirectTo(); isBlob && to != "" {
		http.Redirect(w, r, "http://"+to+r.URL.Path, http.StatusTemporaryRedirect)
		return
	}
	p.forward.ServeHTTP(w, r)
}

// enter records r and says what to wait for before answering.
func (p *registryProxy) enter(r *http.Request, repo string, isBlob bool) (wait <-chan struct{}, stall bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.requests = append(p.requests, r.Method+" "+r.URL.Path)
	p.auths = append(p.auths, r.Header.Get("Authorization"))
	if to, ok := p.rewrite[r.URL.Path]; ok {
		r.URL.Path, r.URL.RawPath = to, ""
	}
	if !isBlob {
		return nil, false
	}
	if p.maxRepos == 0 {
		close(p.blobSeen)
	}
	p.inFlight[repo]++
	if len(p.inFlight) > p.maxRepos {
		p.maxRepos = len(p.inFlight)
		if p.maxRepos == 2 {
			close(p.overlap)
		}
	}
	if p.holdFirst && !p.held {
		p.held = true
		wait = p.overlap
	}
	return wait, p.stallBlobs
}

func (p *registryProxy) leave(repo string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.inFlight[repo]--
	if p.inFlight[repo] == 0 {
		delete(p.inFlight, repo)
	}
}

// blobRepository returns REPO of /v2/REPO/blobs/DIGEST.
func blobRepository(path string) (string, bool) {
	rest, ok := strings.CutPrefix(path, "/v2/")
	if !ok {
		return "", false
	}
	repo, _, ok := strings.Cut(rest, "/blobs/")
	return repo, ok
}

// take returns the requests seen so far and forgets them.
func (p *registryProxy) take() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	r := p.requests
	p.requests = nil
	return r
}

// authorizations returns the Authorization headers of the requests so
// far that had one.
func (p *registryProxy) authorizations() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, a := range p.auths {
		if a != "" {
			out = append(out, a)
		}
	}
	return out
}

func (p *registryProxy) redirectTo() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.redirectBlobs
}

func (p *registryProxy) set(f func(p *registryProxy)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f(p)
}

func (p *registryProxy) maxReposInFlight() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.maxRepos
}
