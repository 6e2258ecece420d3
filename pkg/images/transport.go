package images

import (
	"context"
	"net"
	"net/http"

	"github.com/necoship/neco/pkg/netproxy"
)

// dialFunc dials a registry or proxy; Options.dial replaces net.Dialer in
// tests that give registries names of their own.
type dialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// newTransport is the HTTP transport of all registry traffic for one
// Access: Go's defaults, with a's proxy. A Puller keeps it while the
// Access stays the same, so that pulls reuse its connections.
func newTransport(a Access, dial dialFunc) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = netproxy.Func(a.Proxy, a.NoProxy)
	if dial != nil {
		t.DialContext = dial
	}
	return t
}
