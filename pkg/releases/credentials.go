package releases

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/necoship/neco/pkg/model"
)

// ErrCleartextToken is returned by New when a token would cross the
// network unencrypted (model.CheckTokenURL, the rule config set applies).
var ErrCleartextToken = model.ErrTokenInClear

// origin is where a request goes: scheme, host and port, as browsers
// compare them. The token belongs to exactly one origin, the API's.
type origin struct{ scheme, host, port string }

func originOf(u *url.URL) origin {
	o := origin{scheme: strings.ToLower(u.Scheme), host: strings.ToLower(u.Hostname()), port: u.Port()}
	if o.port == "" {
		o.port = map[string]string{"http": "80", "https": "443"}[o.scheme]
	}
	return o
}

// tokenTransport is the one place the token is added to a request, and
// the one rule for where it goes: to the API's origin and nowhere else.
// Every hop of a redirect passes through it, so a same-origin redirect
// (GitHub's 301 for a renamed repository) keeps the token and any other
// (another host, another port, http instead of https, a subdomain) goes
// without it. Go's own redirect rule is not enough: it only strips a
// header the caller set, compares host names without port or scheme, and
// keeps the header for subdomains. An Authorization header a caller set
// is removed for other origins as well.
type tokenTransport struct {
	next   http.RoundTripper
	home   origin
	header string // "Bearer TOKEN"; empty without a token
}

func newTokenTransport(next http.RoundTripper, api *url.URL, token string) *tokenTransport {
	t := &tokenTransport{next: next, home: originOf(api)}
	if token != "" {
		t.header = "Bearer " + token
	}
	return t
}

func (t *tokenTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	home := originOf(req.URL) == t.home
	switch {
	case home && t.header != "":
		req = req.Clone(req.Context())
		req.Header.Set("Authorization", t.header)
	case !home && req.Header.Get("Authorization") != "":
		req = req.Clone(req.Context())
		req.Header.Del("Authorization")
	}
	return t.next.RoundTrip(req)
}
