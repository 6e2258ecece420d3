// Package netproxy owns how neco picks the proxy of an outgoing request
// from the cluster config (proxy, no-proxy), so that GitHub calls, release
// downloads, notifications and image pulls pick it the same way.
package netproxy

import (
	"errors"
	"net/http"
	"net/url"

	"golang.org/x/net/http/httpproxy"
)

// errProxy replaces httpproxy's errors, which quote the proxy URL and so
// its password. Config validation makes it unreachable.
var errProxy = errors.New("netproxy: proxy not usable (value not shown: it may hold a password)")

// Func picks the proxy of each request: proxy for both schemes, except
// for the hosts of noProxy (NO_PROXY's syntax: host[:port], .domain,
// *.domain, IPs, CIDRs, *) and loopback; the environment's (HTTPS_PROXY,
// NO_PROXY) when proxy is empty.
func Func(proxy, noProxy string) func(*http.Request) (*url.URL, error) {
	if proxy == "" {
		return http.ProxyFromEnvironment
	}
	cfg := httpproxy.Config{HTTPProxy: proxy, HTTPSProxy: proxy, NoProxy: noProxy}
	pick := cfg.ProxyFunc()
	return func(r *http.Request) (*url.URL, error) {
		u, err := pick(r.URL)
		if err != nil {
			return nil, errProxy
		}
		return u, nil
	}
}
