package images

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/necoship/neco/pkg/images/imagestest"
)

// Registry traffic goes through Access.Proxy, except to the hosts of
// Access.NoProxy, which are dialed directly: one pull of two images, one
// from each of two registries, shows which way each went. The forward
// proxy records what it forwarded, the Puller's dialer what it dialed
// itself.
func TestPullThroughProxy(t *testing.T) {
	e := newEnv(t)
	const registry, mirror = "registry.neco.test:5000", "mirror.neco.test:5000"
	for _, tc := range []struct {
		name              string
		noProxy           string
		proxied, directly []string
	}{
		{name: "proxy", proxied: []string{mirror, registry}},
		{name: "no-proxy host", noProxy: "mirror.neco.test", proxied: []string{registry}, directly: []string{mirror}},
		{name: "no-proxy domain", noProxy: "example.org, .neco.test", directly: []string{mirror, registry}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			names := &testNames{addrs: map[string]string{registry: e.Registry, mirror: e.Registry}}
			proxy := newForwardProxy(t, names)
			// Own content per row: containerd shares blobs between
			// namespaces and would not fetch them again.
			one := e.Push(t, "test/one", "v1", map[string]string{"one": "1\n", "row": tc.name})
			two := e.Push(t, "test/two", "v1", map[string]string{"two": "2\n", "row": tc.name})
			reqs := []Request{
				{Name: "one", Ref: imagestest.Pinned(registry, "test/one", "v1", one)},
				{Name: "two", Ref: imagestest.Pinned(mirror, "test/two", "v1", two)},
			}
			p := e.puller(t, Options{
				Namespace: "proxy-" + strings.ReplaceAll(tc.name, " ", "-"), PlainHTTP: []string{registry, mirror}, dial: names.dial,
				Access: Access{Proxy: proxy.url, NoProxy: tc.noProxy},
			})
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if _, err := p.Pull(ctx, reqs); err != nil {
				t.Fatalf("Pull: %v", err)
			}
			if d := cmp.Diff(tc.proxied, proxy.forwarded(), cmpopts.EquateEmpty()); d != "" {
				t.Errorf("hosts reached through the proxy (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tc.directly, names.dialedDirectly(), cmpopts.EquateEmpty()); d != "" {
				t.Errorf("hosts dialed directly (-want +got):\n%s", d)
			}
		})
	}
}
