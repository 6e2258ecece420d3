package images

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// tokenFront is a registry with token authentication, as most hosted
// registries run it: /v2/ answers 401 with a bearer challenge naming a
// token service (realm), the token service hands out a token for the
// right username and password, and with that token the front forwards to
// the docker-registry behind it.
type tokenFront struct {
	host     string // host:port to put in refs
	user, pw string
	forward  *httputil.ReverseProxy

	mu     sync.Mutex
	realm  string   // the challenge's realm; default this front's /token
	tokens []string // "METHOD user" of every token request
}

const frontToken = "token-of-the-right-user"

func newTokenFront(t *testing.T, registry, user, pw string) *tokenFront {
	t.Helper()
	f := &tokenFront{user: user, pw: pw,
		forward: httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: registry})}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	f.host = strings.TrimPrefix(srv.URL, "http://")
	f.realm = srv.URL + "/token"
	return f
}

func (f *tokenFront) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/token" {
		f.serveToken(w, r)
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+frontToken {
		f.mu.Lock()
		realm := f.realm
		f.mu.Unlock()
		w.Header().Set("WWW-Authenticate", `Bearer realm="`+realm+`",service="neco-test"`)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	f.forward.ServeHTTP(w, r)
}

// serveToken takes the password as containerd sends it: an OAuth2
// password grant (POST form), or basic auth on a GET.
func (f *tokenFront) serveToken(w http.ResponseWriter, r *http.Request) {
	user, pw, _ := r.BasicAuth()
	if r.Method == http.MethodPost {
		user, pw = r.PostFormValue("username"), r.PostFormValue("password")
	}
	f.mu.Lock()
	f.tokens = append(f.tokens, r.Method+" "+user)
	f.mu.Unlock()
	if user != f.user || pw != f.pw {
		http.Error(w, "bad credentials", http.StatusUnauthorized)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]string{"token": frontToken, "access_token": frontToken})
}

func (f *tokenFront) setRealm(realm string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.realm = realm
}

func (f *tokenFront) tokenRequests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.tokens...)
}
