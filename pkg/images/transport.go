package images

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"

	"golang.org/x/net/http/httpproxy"
)

// dialFunc dials a registry or proxy; Options.dial replaces net.Dialer in
// tests that give registries names of their own.
type dialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// newTransport is the HTTP transport of all registry traffic for one
// Access: Go's defaults, with a's proxy. A Puller keeps it while the
// Access stays the same, so that pulls reuse its connections.
func newTransport(a Access, dial dialFunc) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = proxyFunc(a)
	if dial != nil {
		t.DialContext = dial
	}
	return t
}

// errProxy replaces httpproxy's errors, which quote the proxy URL and so
// its password. validate makes it unreachable.
var errProxy = errors.New("images: proxy: not usable (value not shown: it may hold a password)")

// proxyFunc picks the proxy of each request: a.Proxy for both schemes
// except for the hosts of a.NoProxy and loopback, or the environment's
// when a.Proxy is empty.
func proxyFunc(a Access) func(*http.Request) (*url.URL, error) {
	if a.Proxy == "" {
		return http.ProxyFromEnvironment
	}
	cfg := httpproxy.Config{HTTPProxy: a.Proxy, HTTPSProxy: a.Proxy, NoProxy: a.NoProxy}
	pick := cfg.ProxyFunc()
	return func(r *http.Request) (*url.URL, error) {
		u, err := pick(r.URL)
		if err != nil {
			return nil, errProxy
		}
		return u, nil
	}
}
