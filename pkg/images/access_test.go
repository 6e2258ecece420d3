package images

import (
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"go.uber.org/zap"
)

// SetAccess keeps the transport, and its connections, while the Access
// stays the same; a new Access gets a new one; a refused Access changes
// nothing.
func TestSetAccess(t *testing.T) {
	p := &Puller{plainHTTP: []string{"mirror.example:5000"}, log: zap.NewNop(), transport: newTransport(Access{}, nil)}
	first := p.transport
	creds := map[string]Credential{"r.example": {"u", "p"}}
	if err := p.SetAccess(Access{Credentials: creds}); err != nil {
		t.Fatal(err)
	}
	second := p.transport
	if second == first {
		t.Error("new credentials kept the transport")
	}
	creds["r.example"] = Credential{"u", "rotated"} // the caller's map is not the Puller's
	if err := p.SetAccess(Access{Credentials: map[string]Credential{"r.example": {"u", "p"}}}); err != nil {
		t.Fatal(err)
	}
	if p.transport != second {
		t.Error("the same Access made a new transport")
	}
	bad := Access{Credentials: map[string]Credential{"mirror.example:5000": {"u", "p"}}}
	if err := p.SetAccess(bad); err == nil || !strings.Contains(err.Error(), "plain HTTP") {
		t.Errorf("SetAccess of credentials for a plain-HTTP host: %v", err)
	}
	if p.transport != second || p.access.Credentials["r.example"].Password != "p" {
		t.Error("a refused Access replaced the current one")
	}
}

// The proxy applies to both schemes, except to NoProxy's hosts and to
// loopback; without Proxy the environment decides.
func TestProxyFunc(t *testing.T) {
	f := proxyFunc(Access{Proxy: "http://u:pw@proxy.example:3128", NoProxy: "mirror.example,10.0.0.0/8"})
	for target, want := range map[string]string{
		"https://registry.example/v2/":   "proxy.example:3128",
		"http://registry.example:5000/":  "proxy.example:3128",
		"https://mirror.example/v2/":     "",
		"https://a.mirror.example/v2/":   "",
		"http://10.1.2.3:5000/v2/":       "",
		"http://127.0.0.1:5000/v2/":      "",
		"https://mirror.example.org/v2/": "proxy.example:3128",
	} {
		u, err := f(&http.Request{URL: mustURL(t, target)})
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		if u != nil {
			got = u.Host
		}
		if got != want {
			t.Errorf("proxy of %s = %q, want %q", target, got, want)
		}
	}
	if f := proxyFunc(Access{NoProxy: "x"}); reflect.ValueOf(f).Pointer() != reflect.ValueOf(http.ProxyFromEnvironment).Pointer() {
		t.Error("without Proxy, the environment does not decide")
	}
}

// Printing an Access never shows a password.
func TestCredentialIsNotPrinted(t *testing.T) {
	a := Access{Credentials: map[string]Credential{"r.example": {"robot", "secret-pw"}}}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		if s := fmt.Sprintf(verb, a); strings.Contains(s, "secret-pw") || !strings.Contains(s, "robot") {
			t.Errorf("%s: %s", verb, s)
		}
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
