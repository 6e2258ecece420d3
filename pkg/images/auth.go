package images

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/containerd/containerd/remotes/docker"
	"github.com/containerd/containerd/remotes/docker/auth"
	remoteerrors "github.com/containerd/containerd/remotes/errors"
)

// hostAuthorizer is containerd's docker authorizer held to where
// credentials may go.
//
// containerd asks for credentials with the host that answered 401, which
// may be a mirror, and sends them on to whatever token service (realm)
// that host names, on any host and over any scheme. Here a host gets only
// its own credentials, a token service only those of the registry on its
// own host, and nothing travels in clear to a host that is not loopback.
// A refusal is an error naming the registry, never a silent anonymous
// request that would fail less clearly.
type hostAuthorizer struct {
	docker.Authorizer
	creds map[string]Credential
}

// newAuthorizer makes the authorizer of one pull. It is not shared
// between pulls: containerd keeps a failed token fetch for the life of
// its authorizer, and one outage must not outlive the pull it broke.
func newAuthorizer(creds map[string]Credential, tokenClient *http.Client) *hostAuthorizer {
	a := &hostAuthorizer{creds: maps.Clone(creds)}
	a.Authorizer = docker.NewDockerAuthorizer(docker.WithAuthClient(tokenClient), docker.WithAuthCreds(a.lookup))
	return a
}

// lookup is containerd's question "what do I send for host": that host's
// own credentials, or none.
func (a *hostAuthorizer) lookup(host string) (string, string, error) {
	c := a.creds[host]
	return c.Username, c.Password, nil
}

// Authorize adds the Authorization header containerd holds for the
// request's host. It refuses a host with credentials over plain HTTP,
// which only a redirect can reach (validate refuses the configuration),
// and names a token service that refused the host's credentials.
func (a *hostAuthorizer) Authorize(ctx context.Context, req *http.Request) error {
	host := req.URL.Host
	_, has := a.creds[host]
	if has && !secureURL(req.URL) {
		return fmt.Errorf("%w: a request to %s moved to plain HTTP; its credentials go over https only", ErrCredentialsWithheld, host)
	}
	err := a.Authorizer.Authorize(ctx, req)
	if err != nil && has && refusedStatus(err) {
		return fmt.Errorf("%w: the token service of registry %s refused the credentials configured for it: %w", ErrUnauthorized, host, err)
	}
	return err
}

// AddResponses reads a 401's challenge and decides what the next try
// sends, refusing what would put credentials where they do not belong.
func (a *hostAuthorizer) AddResponses(ctx context.Context, responses []*http.Response) error {
	last := responses[len(responses)-1]
	host := last.Request.URL.Host
	_, has := a.creds[host]
	ch, ok := firstChallenge(last.Header)
	switch {
	case !ok:
		// containerd reports the unsupported scheme.
	case ch.Scheme == auth.BasicAuth && !has:
		return fmt.Errorf("%w: registry %s asks for a username and password, and none are configured for it", ErrUnauthorized, host)
	case ch.Scheme == auth.BasicAuth && strings.HasPrefix(last.Request.Header.Get("Authorization"), "Basic "):
		// containerd would send the same credentials again, five times.
		return fmt.Errorf("%w: registry %s refused the username and password configured for it", ErrUnauthorized, host)
	case ch.Scheme == auth.BearerAuth && has:
		if err := checkRealm(host, last.Request.URL, ch); err != nil {
			return err
		}
	}
	return a.Authorizer.AddResponses(ctx, responses)
}

// firstChallenge is the challenge containerd acts on: the first of a
// scheme it knows, bearer before basic.
func firstChallenge(h http.Header) (auth.Challenge, bool) {
	for _, c := range auth.ParseAuthHeader(h) {
		if c.Scheme == auth.BearerAuth || c.Scheme == auth.BasicAuth {
			return c, true
		}
	}
	return auth.Challenge{}, false
}

// checkRealm lets a registry's credentials go to its token service only
// when that service is on the registry's own host and port, and over
// https or loopback.
func checkRealm(host string, registry *url.URL, ch auth.Challenge) error {
	realm, err := url.Parse(ch.Parameters["realm"])
	if err != nil || realm.Host == "" {
		return nil // containerd refuses the challenge itself
	}
	if !sameHostPort(registry, realm) {
		return fmt.Errorf("%w: registry %s sends its token requests to %s; the credentials of %s go to %s alone",
			ErrCredentialsWithheld, host, realm.Host, host, host)
	}
	if !secureURL(realm) {
		return fmt.Errorf("%w: registry %s asks for its credentials over plain HTTP", ErrCredentialsWithheld, host)
	}
	return nil
}

// sameHostPort compares host names and ports, a missing port being the
// scheme's.
func sameHostPort(a, b *url.URL) bool {
	return strings.EqualFold(a.Hostname(), b.Hostname()) && portOf(a) == portOf(b)
}

func portOf(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if u.Scheme == "http" {
		return "80"
	}
	return "443"
}

// refusedStatus says whether err is a registry or token service
// answering 401 or 403, or containerd giving up on an authorization.
func refusedStatus(err error) bool {
	var st remoteerrors.ErrUnexpectedStatus
	if errors.As(err, &st) {
		return st.StatusCode == http.StatusUnauthorized || st.StatusCode == http.StatusForbidden
	}
	return errors.Is(err, docker.ErrInvalidAuthorization)
}

// maxRedirects is Go's default limit, which a custom CheckRedirect must
// keep itself.
const maxRedirects = 10

// registryClient is the HTTP client of requests to registries. Its
// CheckRedirect replaces containerd's, which only adds the new host's
// header: Go copies Authorization on a redirect to the same host name on
// any port and scheme, and to its subdomains. Here a redirected request
// carries only what the authorizer holds for its exact host (a blob
// store it redirects to gets nothing).
func registryClient(t http.RoundTripper, a *hostAuthorizer) *http.Client {
	return &http.Client{Transport: t, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) >= maxRedirects {
			return fmt.Errorf("stopped after %d redirects", maxRedirects)
		}
		req.Header.Del("Authorization")
		return a.Authorize(req.Context(), req)
	}}
}

// tokenClient is the HTTP client of token requests. One that carries
// credentials (basic auth, or a POST whose form holds the password, which
// Go sends again on a 307 or 308) may be redirected only on its own
// scheme, host and port.
func tokenClient(t http.RoundTripper) *http.Client {
	return &http.Client{Transport: t, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) >= maxRedirects {
			return fmt.Errorf("stopped after %d redirects", maxRedirects)
		}
		first := via[0]
		carries := first.Header.Get("Authorization") != "" || first.Method == http.MethodPost
		if carries && (req.URL.Scheme != first.URL.Scheme || !sameHostPort(req.URL, first.URL)) {
			return fmt.Errorf("%w: the token service %s redirected to %s", ErrCredentialsWithheld,
				first.URL.Host, net.JoinHostPort(req.URL.Hostname(), portOf(req.URL)))
		}
		return nil
	}}
}
