package images

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/necoship/neco/pkg/images/imagestest"
)

// The user of the htpasswd registries below, and a password that is not
// hers: neither password may appear in an error.
const (
	regUser     = "puller"
	regPassword = "right-pw-7f3a"
	badPassword = "wrong-pw-19c2"
)

// authEnv is a containerd, a docker-registry that asks for basic auth
// (htpasswd), and the anonymous docker-registry of newEnv.
type authEnv struct {
	*testEnv
	private string // host:port of the htpasswd registry
}

func newAuthEnv(t *testing.T) *authEnv {
	t.Helper()
	e := newEnv(t)
	return &authEnv{testEnv: e, private: imagestest.StartAuthRegistry(t, map[string]string{regUser: regPassword})}
}

// pushPrivate pushes an image of its own (salt) to the htpasswd registry.
func (a *authEnv) pushPrivate(t *testing.T, repo, salt string) string {
	t.Helper()
	return imagestest.PushAs(t, a.private, regUser, regPassword, repo, "v1", map[string]string{"f": "private\n", "salt": salt})
}

// pullOne pulls ref with p and returns Pull's error.
func pullOne(t *testing.T, p *Puller, ref string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := p.Pull(ctx, []Request{{Name: "app", Ref: ref}})
	if err != nil {
		t.Logf("Pull: %v", err)
	}
	return err
}

// checkRefused checks a failed pull: the sentinel, the message naming
// the registry, no password in it, and not taken for a missing image.
func checkRefused(t *testing.T, err, sentinel error, wantMsg string) {
	t.Helper()
	switch {
	case err == nil:
		t.Fatal("Pull succeeded")
	case !errors.Is(err, sentinel):
		t.Errorf("error %v is not %v", err, sentinel)
	case errors.Is(err, ErrNotFound):
		t.Errorf("error %v claims the image is missing", err)
	}
	if !strings.Contains(err.Error(), wantMsg) {
		t.Errorf("error %q does not say %q", err, wantMsg)
	}
	for _, pw := range []string{regPassword, badPassword} {
		if strings.Contains(err.Error(), pw) {
			t.Errorf("error %q shows a password", err)
		}
	}
}

func basic(user, pw string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pw))
}

// Against a registry that asks for basic auth, through a front that
// records every Authorization header the registry got: the right
// credentials pull; none, another host's or a wrong password end in
// ErrUnauthorized naming the registry, after at most two tries with the
// wrong password, and another host's credentials never reach it.
func TestPullWithCredentials(t *testing.T) {
	a := newAuthEnv(t)
	for _, tc := range []struct {
		name      string
		creds     func(front string) map[string]Credential
		wantMsg   string   // "" for a pull that succeeds
		wantAuths []string // every Authorization the registry saw
	}{
		{name: "right", creds: func(front string) map[string]Credential {
			return map[string]Credential{front: {regUser, regPassword}}
		}},
		{name: "none", creds: func(string) map[string]Credential { return nil },
			wantMsg: "asks for a username and password, and none are configured for it"},
		{name: "another hosts", creds: func(string) map[string]Credential {
			return map[string]Credential{"registry.neco.test:5000": {regUser, regPassword}}
		}, wantMsg: "asks for a username and password, and none are configured for it"},
		{name: "wrong password", creds: func(front string) map[string]Credential {
			return map[string]Credential{front: {regUser, badPassword}}
		}, wantMsg: "refused the username and password configured for it",
			wantAuths: []string{basic(regUser, badPassword), basic(regUser, badPassword)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			front := newRegistryProxy(t, a.private)
			dg := a.pushPrivate(t, "test/private", tc.name)
			p := a.puller(t, Options{Namespace: "creds-" + strings.ReplaceAll(tc.name, " ", "-"),
				PlainHTTP: []string{front.host}, Access: Access{Credentials: tc.creds(front.host)}})
			err := pullOne(t, p, imagestest.Pinned(front.host, "test/private", "v1", dg))
			auths := front.authorizations()
			if tc.wantMsg == "" {
				if err != nil {
					t.Fatalf("Pull: %v", err)
				}
				for _, got := range auths {
					if got != basic(regUser, regPassword) {
						t.Errorf("registry got Authorization %q", got)
					}
				}
				if len(auths) == 0 {
					t.Error("no request carried the credentials")
				}
				return
			}
			checkRefused(t, err, ErrUnauthorized, "registry "+front.host+" "+tc.wantMsg)
			// containerd resolves by manifest, then by blob: one try
			// each, not five.
			if strings.Join(auths, "\n") != strings.Join(tc.wantAuths, "\n") {
				t.Errorf("registry got Authorization %q, want %q", auths, tc.wantAuths)
			}
		})
	}
}

// A mirror is a host of its own: the origin's credentials never go to
// it. The mirror, asked first, asks for credentials and gets none; the
// origin gets its own and serves the pull.
func TestMirrorGetsNoOriginCredentials(t *testing.T) {
	a := newAuthEnv(t)
	origin, mirror := newRegistryProxy(t, a.private), newRegistryProxy(t, a.private)
	dg := a.pushPrivate(t, "test/mirrored", "mirror")
	p := a.puller(t, Options{PlainHTTP: []string{origin.host, mirror.host},
		Mirrors: map[string]string{origin.host: mirror.host},
		Access:  Access{Credentials: map[string]Credential{origin.host: {regUser, regPassword}}}})
	if err := pullOne(t, p, imagestest.Pinned(origin.host, "test/mirrored", "v1", dg)); err != nil {
		t.Fatalf("Pull: %v", err)
	}
	if len(mirror.take()) == 0 {
		t.Error("the mirror was not asked first")
	}
	if got := mirror.authorizations(); len(got) != 0 {
		t.Errorf("the mirror got Authorization %q", got)
	}
	if len(origin.authorizations()) == 0 {
		t.Error("the origin got no credentials")
	}
}

// A registry that sends blob downloads to another port of its host (Go
// would copy Authorization there: same host name) gets its credentials;
// the blob store gets none.
func TestRedirectGetsNoCredentials(t *testing.T) {
	a := newAuthEnv(t)
	files := map[string]string{"f": "redirected\n"}
	dg := imagestest.PushAs(t, a.private, regUser, regPassword, "test/redirected", "v1", files)
	if again := a.Push(t, "test/redirected", "v1", files); again != dg {
		t.Fatalf("the same image pushed twice: %s and %s", dg, again)
	}
	front, store := newRegistryProxy(t, a.private), newRegistryProxy(t, a.Registry)
	front.set(func(p *registryProxy) { p.redirectBlobs = store.host })
	p := a.puller(t, Options{PlainHTTP: []string{front.host, store.host},
		Access: Access{Credentials: map[string]Credential{front.host: {regUser, regPassword}}}})
	if err := pullOne(t, p, imagestest.Pinned(front.host, "test/redirected", "v1", dg)); err != nil {
		t.Fatalf("Pull: %v", err)
	}
	if countPrefix(store.take(), "GET /v2/test/redirected/blobs/") == 0 {
		t.Fatal("no blob was fetched from the store")
	}
	if got := store.authorizations(); len(got) != 0 {
		t.Errorf("the blob store got Authorization %q", got)
	}
}

// Against a registry with token authentication: the right credentials
// get a token from its token service on the same host and pull; none or a
// wrong password end in ErrUnauthorized; a token service on another host
// gets nothing, the pull ends in ErrCredentialsWithheld naming both.
func TestPullWithTokenService(t *testing.T) {
	e := newEnv(t)
	var elsewhereAsked atomic.Int32
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhereAsked.Add(1)
		http.Error(w, "not here", http.StatusUnauthorized)
	}))
	t.Cleanup(elsewhere.Close)
	for _, tc := range []struct {
		name       string
		password   string // "" for no credentials
		realm      string // "" for the front's own /token
		wantErr    error
		wantMsg    string
		wantTokens []string
	}{
		{name: "right", password: regPassword, wantTokens: []string{"POST " + regUser}},
		{name: "none", wantErr: ErrUnauthorized, wantMsg: "/token", wantTokens: []string{"GET "}},
		{name: "wrong password", password: badPassword, wantErr: ErrUnauthorized,
			wantMsg: "refused the credentials configured for it", wantTokens: []string{"POST " + regUser, "GET " + regUser}},
		{name: "token service elsewhere", password: regPassword, realm: elsewhere.URL + "/token",
			wantErr: ErrCredentialsWithheld, wantMsg: "sends its token requests to " + strings.TrimPrefix(elsewhere.URL, "http://")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			front := newTokenFront(t, e.Registry, regUser, regPassword)
			if tc.realm != "" {
				front.setRealm(tc.realm)
			}
			dg := e.Push(t, "test/tokened", "v1", map[string]string{"f": "token\n", "row": tc.name})
			var creds map[string]Credential
			if tc.password != "" {
				creds = map[string]Credential{front.host: {regUser, tc.password}}
			}
			p := e.puller(t, Options{Namespace: "token-" + strings.ReplaceAll(tc.name, " ", "-"),
				PlainHTTP: []string{front.host}, Access: Access{Credentials: creds}})
			err := pullOne(t, p, imagestest.Pinned(front.host, "test/tokened", "v1", dg))
			if tc.wantErr == nil && err != nil {
				t.Fatalf("Pull: %v", err)
			}
			if tc.wantErr != nil {
				checkRefused(t, err, tc.wantErr, front.host)
				if !strings.Contains(err.Error(), tc.wantMsg) {
					t.Errorf("error %q does not say %q", err, tc.wantMsg)
				}
			}
			if got := front.tokenRequests(); strings.Join(got, ",") != strings.Join(tc.wantTokens, ",") {
				t.Errorf("token requests %q, want %q", got, tc.wantTokens)
			}
			if n := elsewhereAsked.Load(); n != 0 {
				t.Errorf("the token service on another host was asked %d times", n)
			}
		})
	}
}
