package releases

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/necoship/neco/pkg/model"
)

// TestLargeAndCompressedPagesParse lists 100 releases whose notes make a
// 9.4 MiB page, sent chunked (no Content-Length: what Go also hands over
// after undoing gzip), and gzip-compressed pages, large and small. Each
// parses whole and picks the right release, twice; only a page within the
// cache's 8 MiB is asked for conditionally the second time.
func TestLargeAndCompressedPagesParse(t *testing.T) {
	tests := []struct {
		name   string
		wire   wire
		notes  int  // bytes of notes per release
		cached bool // the second listing is a conditional request
	}{
		{name: "9.4 MiB chunked", wire: wire{chunked: true}, notes: 96 << 10},
		{name: "9.4 MiB gzip", wire: wire{gzip: true}, notes: 96 << 10},
		{name: "small gzip", wire: wire{gzip: true}, notes: 100, cached: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeGitHub(t)
			f.wire = tt.wire
			for i := range 100 {
				f.add(&fakeRelease{tag: fmt.Sprintf("release-2026.1.%d-1", i), prerelease: i == 99,
					notes: strings.Repeat(fmt.Sprintf("release %d fixes things. ", i), tt.notes/25)})
			}
			// Production skips the newest, a pre-release.
			r := f.releases[1]
			want := model.Release{Tag: r.tag, Prefix: "release", Version: mustVersion(t, "2026.1.98-1"),
				PublishedAt: r.publishedAt, URL: f.srv.URL + "/example/site/releases/tag/" + r.tag}
			c, _, _ := newTestClient(t, f, nil)
			var lists [2][]model.Release
			for i := range lists {
				rs, err := c.ListReleases(context.Background())
				if err != nil {
					t.Fatalf("listing %d: %v", i+1, err)
				}
				got, _ := Channel{Env: model.EnvProduction, Prefixes: []string{"release"}}.Pick(rs)
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("listing %d: pick (-want +got):\n%s", i+1, diff)
				}
				lists[i] = rs
			}
			if diff := cmp.Diff(lists[0], lists[1]); diff != "" {
				t.Errorf("the second listing differs (-first +second):\n%s", diff)
			}
			reqs := f.recorded()
			got := []string{reqs[0].Header.Get("Accept-Encoding"), reqs[1].Header.Get("Accept-Encoding"),
				fmt.Sprint(reqs[1].Header.Get("If-None-Match") != "")}
			// "gzip" is Go's transport asking on its own, which it only
			// does (and then undoes) when go-github did not set the header.
			if diff := cmp.Diff([]string{"gzip", "gzip", fmt.Sprint(tt.cached)}, got); diff != "" {
				t.Errorf("Accept-Encoding, Accept-Encoding, conditional (-want +got):\n%s", diff)
			}
		})
	}
}

func mustVersion(t *testing.T, s string) model.Version {
	t.Helper()
	v, err := model.ParseVersion(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// origin is an in-memory server for the fuzz target: it answers every
// request with the same response, or 304 when If-None-Match names its
// ETag, and records the If-None-Match it got.
type fuzzOrigin struct {
	code        int
	etag, ctype string
	body        []byte
	declare     bool // send Content-Length
	failAt      int  // the body breaks after this many bytes; < 0: never
	conditional []string
}

var errBroken = errors.New("connection reset")

func (o *fuzzOrigin) RoundTrip(req *http.Request) (*http.Response, error) {
	inm := req.Header.Get("If-None-Match")
	o.conditional = append(o.conditional, inm)
	h := http.Header{}
	if o.etag != "" {
		h.Set("ETag", o.etag)
	}
	if inm != "" && inm == o.etag {
		return &http.Response{StatusCode: http.StatusNotModified, Header: h, Body: http.NoBody, Request: req}, nil
	}
	h.Set("Content-Type", o.ctype)
	var body io.Reader = bytes.NewReader(o.body)
	if o.failAt >= 0 && o.failAt < len(o.body) {
		body = io.MultiReader(bytes.NewReader(o.body[:o.failAt]), errReader{errBroken})
	}
	resp := &http.Response{StatusCode: o.code, Header: h, Body: io.NopCloser(body), ContentLength: -1, Request: req}
	if o.declare {
		resp.ContentLength = int64(len(o.body))
	}
	return resp, nil
}

// FuzzConditionalTransport: whatever the server sends, the caller reads
// exactly that (the same bytes, and the same failure where it broke),
// the first time and from the cache after a 304; and a response is
// remembered (the next request is conditional) exactly when it is a
// whole 200 JSON body with an ETag within the cache's bound.
func FuzzConditionalTransport(f *testing.F) {
	f.Add([]byte(`[{"tag_name":"release-1.0"}]`), `"abc"`, uint8(0), true, uint16(64), int16(-1), uint8(0))
	f.Add([]byte(strings.Repeat("x", 100)), `W/"big"`, uint8(1), false, uint16(10), int16(-1), uint8(0))
	f.Add([]byte(`{"a":1}`), `"e"`, uint8(0), false, uint16(64), int16(3), uint8(0))
	f.Add([]byte(`{"a":1}`), "", uint8(2), false, uint16(64), int16(-1), uint8(1))
	f.Fuzz(func(t *testing.T, body []byte, etag string, ctype uint8, declare bool, maxBody uint16, failAt int16, code uint8) {
		o := &fuzzOrigin{
			code:  []int{200, 404, 500, 203}[int(code)%4],
			etag:  etag,
			ctype: []string{"application/json", "application/vnd.github+json; charset=utf-8", "text/plain"}[int(ctype)%3],
			body:  body, declare: declare, failAt: int(failAt),
		}
		ct := newConditionalTransport(o)
		ct.maxBody = int64(maxBody)
		first := fuzzRead(t, ct, o)
		whole := o.failAt < 0 || o.failAt >= len(o.body)
		remembered := o.code == 200 && o.etag != "" && o.ctype != "text/plain" && whole && len(o.body) <= int(maxBody)
		second := fuzzRead(t, ct, o)
		if diff := cmp.Diff(first, second); diff != "" {
			t.Fatalf("the second answer differs (-first +second):\n%s", diff)
		}
		if got := o.conditional[1] != ""; got != remembered {
			t.Fatalf("second request conditional = %v, want %v", got, remembered)
		}
	})
}

type fuzzAnswer struct {
	Code int
	Body []byte
	Err  string
}

// fuzzRead makes one request through ct and checks the caller read what
// o sent.
func fuzzRead(t *testing.T, ct *conditionalTransport, o *fuzzOrigin) fuzzAnswer {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, "https://api.example.com/repos/a/b/releases", nil)
	resp, err := ct.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	got := fuzzAnswer{Code: resp.StatusCode, Body: b}
	if err != nil {
		got.Err = err.Error()
	}
	want := fuzzAnswer{Code: o.code, Body: o.body}
	if o.failAt >= 0 && o.failAt < len(o.body) {
		want.Body, want.Err = o.body[:o.failAt], errBroken.Error()
	}
	if len(want.Body) == 0 {
		want.Body = []byte{}
	}
	if len(got.Body) == 0 {
		got.Body = []byte{}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("the caller read something else than the server sent (-sent +read):\n%s", diff)
	}
	return got
}
