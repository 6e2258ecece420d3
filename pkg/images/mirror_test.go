package images

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/necoship/neco/pkg/images/imagestest"
)

// A mirror is asked first. An air-gapped site pulls from it while the
// origin is unreachable; a mirror that lacks the image falls back to the
// origin. Either way the image is stored under the ref the plan wrote.
func TestPullThroughMirror(t *testing.T) {
	e := newEnv(t)
	proxy := newRegistryProxy(t, e.Registry)

	var emptyAsked atomic.Int32
	empty := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		emptyAsked.Add(1)
		http.NotFound(w, r)
	}))
	t.Cleanup(empty.Close)
	emptyHost := strings.TrimPrefix(empty.URL, "http://")
	unreachable := imagestest.FreeAddr(t)

	for _, tc := range []struct {
		name      string
		origin    string
		mirror    string
		emptyHits bool // whether the empty mirror must have been asked
	}{
		{name: "origin unreachable", origin: unreachable, mirror: proxy.host},
		{name: "mirror lacks the image", origin: proxy.host, mirror: emptyHost, emptyHits: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			emptyAsked.Store(0)
			// Own content per row: containerd shares blobs between
			// namespaces and would not fetch them again.
			dg := e.Push(t, "test/mirrored", "v1", map[string]string{"m": "mirrored\n", "row": tc.name})
			p := e.puller(t, Options{
				Namespace: "mirror-" + strings.ReplaceAll(tc.name, " ", "-"),
				PlainHTTP: []string{unreachable, proxy.host, emptyHost},
				Mirrors:   map[string]string{tc.origin: tc.mirror},
			})
			ref := imagestest.Pinned(tc.origin, "test/mirrored", "v1", dg)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			got, err := p.Pull(ctx, []Request{{Name: "m", Ref: ref}})
			if err != nil {
				t.Fatalf("Pull: %v", err)
			}
			if d := cmp.Diff([]Result{{Name: "m", Ref: ref, Digest: dg, Pulled: true}}, got); d != "" {
				t.Errorf("results (-want +got):\n%s", d)
			}
			if tc.emptyHits != (emptyAsked.Load() > 0) {
				t.Errorf("empty mirror asked %d times", emptyAsked.Load())
			}
			if got := readFromImage(ctx, t, p, ref, "m"); got != "mirrored\n" {
				t.Errorf("m in the unpacked image = %q", got)
			}
		})
	}
}
