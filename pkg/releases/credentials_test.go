package releases

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// renamedFrom answers every request for the repository "example/old-name"
// with a redirect (code) to the same path of example/site at base, as
// GitHub does for a renamed repository, or as a hostile API would.
func renamedFrom(code int, base func() string) func(http.ResponseWriter, *http.Request) bool {
	return func(w http.ResponseWriter, r *http.Request) bool {
		if !strings.HasPrefix(r.URL.Path, "/repos/example/old-name/") {
			return false
		}
		to := base() + strings.Replace(r.URL.RequestURI(), "/old-name/", "/"+fakeRepo+"/", 1)
		http.Redirect(w, r, to, code)
		return true
	}
}

func authorizations(reqs []*http.Request) []string {
	var out []string
	for _, r := range reqs {
		out = append(out, r.Header.Get("Authorization"))
	}
	return out
}

// TestTokenOnlyToAPIOrigin follows API redirects with real servers: the
// token goes with a redirect within the API's origin and never to another
// host or port.
func TestTokenOnlyToAPIOrigin(t *testing.T) {
	type seen struct {
		Tags   []string
		API    []string // the Authorization of each request the API server got
		Target []string // ... and the redirect's target, when another server
	}
	const bearer = "Bearer test-token"
	tests := []struct {
		name string
		host string // the target's host; "" = the API server itself
		code int
		want seen
	}{
		{name: "302 to another host", host: "127.0.0.2", code: http.StatusFound,
			want: seen{Tags: []string{"release-1.0.0"}, API: []string{bearer}, Target: []string{""}}},
		{name: "307 to another port of the API host", host: "127.0.0.1", code: http.StatusTemporaryRedirect,
			want: seen{Tags: []string{"release-1.0.0"}, API: []string{bearer}, Target: []string{""}}},
		{name: "301 within the API origin (renamed repository)", code: http.StatusMovedPermanently,
			want: seen{Tags: []string{"release-1.0.0"}, API: []string{bearer, bearer}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newFakeGitHub(t)
			api.add(&fakeRelease{tag: "release-1.0.0"})
			target := api
			if tt.host != "" {
				target = newFakeGitHubOn(t, tt.host)
				target.add(&fakeRelease{tag: "release-1.0.0"})
			}
			api.intercept = renamedFrom(tt.code, func() string { return target.srv.URL })
			c, _, _ := newTestClient(t, api, func(o *Options) { o.Repo = "example/old-name" })
			rs, err := c.ListReleases(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			got := seen{API: authorizations(api.recorded())}
			for _, r := range rs {
				got.Tags = append(got.Tags, r.Tag)
			}
			if target != api {
				got.Target = authorizations(target.recorded())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestAssetRedirectToAnotherHostCarriesNoToken downloads through the API
// asset URL, which redirects to storage on 127.0.0.2 as GitHub redirects
// to its storage host.
func TestAssetRedirectToAnotherHostCarriesNoToken(t *testing.T) {
	f := newFakeGitHub(t)
	f.storage = serveOn(t, "127.0.0.2", http.HandlerFunc(f.serve))
	f.add(&fakeRelease{tag: "release-1.0", assets: []*fakeAsset{{name: "x", data: []byte("hello")}}})
	c, _, _ := newTestClient(t, f, nil)
	rel, err := c.ReleaseByTag(context.Background(), "release-1.0")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := c.DownloadAsset(context.Background(), rel.Assets[0], &buf); err != nil {
		t.Fatal(err)
	}
	storage := strings.TrimPrefix(f.storage.URL, "http://")
	got := map[string][]string{}
	for _, r := range f.recorded() {
		where := "api"
		if r.Host == storage {
			where = "storage"
		}
		got[where] = append(got[where], r.Header.Get("Authorization"))
	}
	want := map[string][]string{"api": {"Bearer test-token", "Bearer test-token"}, "storage": {""}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Authorization by server (-want +got):\n%s", diff)
	}
	if buf.String() != "hello" {
		t.Errorf("downloaded %q", buf.String())
	}
}

// recordingTransport answers 204 to everything and remembers the
// Authorization each URL was sent with.
type recordingTransport struct{ auth map[string]string }

func (r *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r.auth[req.URL.String()] = req.Header.Get("Authorization")
	return &http.Response{StatusCode: http.StatusNoContent, Body: http.NoBody, Request: req}, nil
}

// TestTokenTransportOrigins states the rule on the cases a loopback server
// cannot stage: the same host and port over another scheme, default ports,
// subdomains (which Go's own redirect rule would trust).
func TestTokenTransportOrigins(t *testing.T) {
	api, _ := url.Parse("https://api.example.com/api/v3/")
	urls := []string{
		"https://api.example.com/api/v3/repos/a/b/releases",
		"https://API.example.com:443/elsewhere",
		"http://api.example.com:443/api/v3/repos/a/b/releases",
		"http://api.example.com/api/v3/repos/a/b/releases",
		"https://api.example.com:8443/api/v3/",
		"https://uploads.api.example.com/",
		"https://objects.githubusercontent.com/asset",
	}
	want := map[string]string{
		urls[0]: "Bearer t0k", urls[1]: "Bearer t0k",
		urls[2]: "", urls[3]: "", urls[4]: "", urls[5]: "", urls[6]: "",
	}
	for _, callerSet := range []bool{false, true} {
		rec := &recordingTransport{auth: map[string]string{}}
		tr := newTokenTransport(rec, api, "t0k")
		for _, u := range urls {
			req, _ := http.NewRequest(http.MethodGet, u, nil)
			if callerSet {
				req.Header.Set("Authorization", "Bearer from-the-caller")
			}
			resp, err := tr.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if callerSet && req.Header.Get("Authorization") != "Bearer from-the-caller" {
				t.Errorf("%s: the caller's request was changed", u)
			}
		}
		if diff := cmp.Diff(want, rec.auth); diff != "" {
			t.Errorf("caller set Authorization %v: (-want +got):\n%s", callerSet, diff)
		}
	}
}

func TestNewRefusesTokenInClear(t *testing.T) {
	_, err := New(Options{APIURL: "http://192.0.2.2/", Repo: "a/b", Token: "ghp_x"})
	if !errors.Is(err, ErrCleartextToken) {
		t.Fatalf("New with a token over http to 192.0.2.2: err = %v, want ErrCleartextToken", err)
	}
	want := `github-api-url http://192.0.2.2/: model: a GitHub token would cross the network in clear: use https://, or a mirror on this machine (127.0.0.1)`
	if diff := cmp.Diff(want, err.Error()); diff != "" {
		t.Errorf("message (-want +got):\n%s", diff)
	}
	if _, err := New(Options{APIURL: "http://192.0.2.2/", Repo: "a/b"}); err != nil {
		t.Errorf("without a token: %v", err)
	}
}
