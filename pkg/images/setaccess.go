package images

import (
	"maps"
	"net/url"
	"slices"

	"github.com/containerd/containerd/remotes"
	"go.uber.org/zap"
)

// SetAccess makes the next pulls use a: the cluster's credentials and
// proxy, read anew by the worker before each pull. Pulls already running
// finish with the Access they started with. An invalid a is refused, and
// the previous Access stays; nothing is reconnected when a is the same.
func (p *Puller) SetAccess(a Access) error {
	if err := a.validate(p.plainHTTP); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if a.equal(p.access) {
		return nil
	}
	old := p.transport
	p.access = a.clone()
	p.transport = newTransport(a, p.dial)
	old.CloseIdleConnections()
	p.log.Info("registry access changed",
		zap.Strings(keyCredentialHosts, slices.Sorted(maps.Keys(a.Credentials))),
		zap.String(keyProxy, redactedProxy(a.Proxy)), zap.String(keyNoProxy, a.NoProxy))
	return nil
}

// resolver is the registry client of one pull, with the current Access.
func (p *Puller) resolver() remotes.Resolver {
	p.mu.Lock()
	creds, t := p.access.Credentials, p.transport
	p.mu.Unlock()
	return newResolver(p.plainHTTP, p.mirrors, creds, t)
}

// redactedProxy is the proxy URL fit for a log line: its password masked.
func redactedProxy(proxy string) string {
	u, err := url.Parse(proxy)
	if err != nil {
		return ""
	}
	return u.Redacted()
}
