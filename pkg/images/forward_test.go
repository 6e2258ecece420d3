package images

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"slices"
	"sync"
	"testing"
)

// testNames gives loopback registries names of their own. A proxy picks
// by host name, and loopback addresses never go through one, so a test of
// proxy and no-proxy needs names that are not loopback; ".test" never
// resolves in DNS (RFC 6761), so only these dialers reach them.
type testNames struct {
	addrs map[string]string // "registry.neco.test:5000" -> "127.0.0.1:PORT"

	mu     sync.Mutex
	direct []string // the names the Puller dialed itself, not through a proxy
}

// dial is Options.dial: it records the named registries the Puller
// dials directly.
func (n *testNames) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if _, ok := n.addrs[addr]; ok {
		n.mu.Lock()
		n.direct = append(n.direct, addr)
		n.mu.Unlock()
	}
	return n.dialProxied(ctx, network, addr)
}

// dialProxied is the forward proxy's dialer: it records nothing.
func (n *testNames) dialProxied(ctx context.Context, network, addr string) (net.Conn, error) {
	if to, ok := n.addrs[addr]; ok {
		addr = to
	}
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
}

func (n *testNames) dialedDirectly() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return sortedUnique(n.direct)
}

// forwardProxy is an HTTP forward proxy on loopback, as a site's egress
// proxy is: it takes requests in absolute form (GET http://host/path) and
// forwards them. Plain HTTP is all the loopback registries speak, so it
// needs no CONNECT.
type forwardProxy struct {
	url     string // what Access.Proxy names
	forward *httputil.ReverseProxy

	mu    sync.Mutex
	hosts []string // the host of every request forwarded
}

func newForwardProxy(t *testing.T, names *testNames) *forwardProxy {
	t.Helper()
	p := &forwardProxy{forward: &httputil.ReverseProxy{
		// The request's absolute URL is already where it goes.
		Rewrite:   func(*httputil.ProxyRequest) {},
		Transport: &http.Transport{DialContext: names.dialProxied},
	}}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	p.url = srv.URL
	return p
}

func (p *forwardProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !r.URL.IsAbs() {
		http.Error(w, "a forward proxy takes absolute URLs only", http.StatusBadRequest)
		return
	}
	p.mu.Lock()
	p.hosts = append(p.hosts, r.URL.Host)
	p.mu.Unlock()
	p.forward.ServeHTTP(w, r)
}

func (p *forwardProxy) forwarded() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return sortedUnique(p.hosts)
}

func sortedUnique(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return slices.Compact(out)
}
