package netproxy

import (
	"net/http"
	"net/url"
	"reflect"
	"testing"
)

// The proxy applies to both schemes, except to noProxy's hosts and to
// loopback; without a proxy the environment decides.
func TestFunc(t *testing.T) {
	f := Func("http://u:pw@proxy.example:3128", "mirror.example,10.0.0.0/8")
	for target, want := range map[string]string{
		"https://registry.example/v2/":   "proxy.example:3128",
		"http://registry.example:5000/":  "proxy.example:3128",
		"https://api.github.com/repos/":  "proxy.example:3128",
		"https://mirror.example/v2/":     "",
		"https://a.mirror.example/v2/":   "",
		"http://10.1.2.3:5000/v2/":       "",
		"http://127.0.0.1:5000/v2/":      "",
		"https://mirror.example.org/v2/": "proxy.example:3128",
	} {
		u, err := url.Parse(target)
		if err != nil {
			t.Fatal(err)
		}
		p, err := f(&http.Request{URL: u})
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		if p != nil {
			got = p.Host
		}
		if got != want {
			t.Errorf("proxy of %s = %q, want %q", target, got, want)
		}
	}
	if f := Func("", "x"); reflect.ValueOf(f).Pointer() != reflect.ValueOf(http.ProxyFromEnvironment).Pointer() {
		t.Error("without a proxy, the environment does not decide")
	}
}
