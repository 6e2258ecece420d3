package images

import (
	"errors"
	"fmt"
	"maps"
	"net"
	"net/url"
	"slices"
	"strconv"

	"github.com/necoship/neco/pkg/model"
)

// Credential is a username and password for one registry.
type Credential struct {
	Username string
	Password string
}

// redacted stands for a password wherever a Credential is printed.
const redacted = "********"

// String keeps the password out of logs and errors that print a
// Credential with %v.
func (c Credential) String() string { return "{" + c.Username + " " + redacted + "}" }

// GoString does the same for %#v.
func (c Credential) GoString() string {
	return "images.Credential{Username:" + strconv.Quote(c.Username) + ", Password:" + strconv.Quote(redacted) + "}"
}

// Access is how pulls reach registries, beyond the hosts Options names:
// the credentials and the proxy. It comes from the cluster config, which
// can change while a Puller lives (see SetAccess). The zero Access pulls
// anonymously through the environment's proxy, if any.
type Access struct {
	// Credentials maps a registry host, "host" or "host:port" exactly as
	// refs and Options.Mirrors spell it, to what is sent to that host
	// and nowhere else: as basic auth, or to the registry's token
	// service when it runs on the same host. A mirror is a host of its
	// own: the origin's credentials never go to it. A host reached over
	// plain HTTP gets its credentials only when it is loopback.
	Credentials map[string]Credential
	// Proxy is the URL of the HTTP(S) proxy that registry traffic goes
	// through. Empty: the environment's (HTTPS_PROXY, HTTP_PROXY,
	// NO_PROXY), as Go's default client does.
	Proxy string
	// NoProxy lists, in NO_PROXY's syntax, the hosts reached without
	// Proxy (a site's own mirror). Loopback never goes through a proxy.
	// It applies to Proxy only, not to the environment's.
	NoProxy string
}

// clone copies a, so that a caller changing its map changes no Puller.
func (a Access) clone() Access {
	a.Credentials = maps.Clone(a.Credentials)
	return a
}

func (a Access) equal(b Access) bool {
	return a.Proxy == b.Proxy && a.NoProxy == b.NoProxy && maps.Equal(a.Credentials, b.Credentials)
}

// validate checks a before any request is made, against the hosts
// reached over plain HTTP. Errors never hold a password, nor the proxy
// URL, which may carry one.
func (a Access) validate(plainHTTP []string) error {
	for _, host := range slices.Sorted(maps.Keys(a.Credentials)) {
		c := a.Credentials[host]
		if err := checkHost(host); err != nil {
			return fmt.Errorf("images: credentials: key %q: %w", host, err)
		}
		if c.Username == "" || c.Password == "" {
			return fmt.Errorf("images: credentials[%s]: want both a username and a password", host)
		}
		if slices.Contains(plainHTTP, host) && !isLoopbackHostPort(host) {
			return fmt.Errorf("images: credentials[%s]: %s is reached over plain HTTP and is not loopback: "+
				"its credentials would cross the network in clear; reach it over https", host, host)
		}
	}
	if a.Proxy != "" {
		u, err := url.Parse(a.Proxy)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return errors.New("images: proxy: want an absolute http or https URL (value not shown: it may hold a password)")
		}
	}
	return nil
}

// isLoopbackHostPort says whether a registry host ("host", "host:port",
// "[::1]:port") names this machine without a lookup.
func isLoopbackHostPort(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if len(host) > 1 && host[0] == '[' && host[len(host)-1] == ']' {
		host = host[1 : len(host)-1]
	}
	return model.IsLoopbackHost(host)
}

// secureURL says whether credentials may travel to u: over TLS, or to
// this machine.
func secureURL(u *url.URL) bool {
	return u.Scheme == "https" || model.IsLoopbackHost(u.Hostname())
}
