package images

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/necoship/neco/pkg/images/imagestest"
)

const testDigest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestParsePinned(t *testing.T) {
	for _, tc := range []struct {
		ref     string
		wantErr error
	}{
		{ref: "registry.example/cybozu/cke:1.30.1@" + testDigest},
		{ref: "registry.example/cybozu/cke@" + testDigest},
		{ref: "127.0.0.1:5000/cke:1.30.1@" + testDigest},
		{ref: "localhost/cke:1@" + testDigest},
		{ref: "docker.io/library/busybox:1.36@" + testDigest},
		{ref: "", wantErr: ErrInvalidRef},
		{ref: "registry.example/cybozu/cke:1.30.1", wantErr: ErrNotPinned},
		{ref: "registry.example/cybozu/cke", wantErr: ErrNotPinned},
		// No registry host: Docker would read docker.io/library/cke,
		// containerd would store "cke", and units would not find it.
		{ref: "cke:1.30.1@" + testDigest, wantErr: ErrInvalidRef},
		{ref: "cybozu/cke:1.30.1@" + testDigest, wantErr: ErrInvalidRef},
		{ref: "https://registry.example/cke:1@" + testDigest, wantErr: ErrInvalidRef},
		{ref: "registry.example/cke:1@sha256:0123", wantErr: ErrInvalidRef},
		{ref: "registry.example/cke:1@md5:0123456789abcdef0123456789abcdef", wantErr: ErrInvalidRef},
		{ref: "registry.example/Cybozu/cke:1@" + testDigest, wantErr: ErrInvalidRef},
		{ref: " registry.example/cke:1@" + testDigest, wantErr: ErrInvalidRef},
	} {
		got, err := parsePinned(tc.ref)
		if !errors.Is(err, tc.wantErr) {
			t.Errorf("parsePinned(%q): error %v, want %v", tc.ref, err, tc.wantErr)
			continue
		}
		if err != nil {
			if tc.ref != "" && !strings.Contains(err.Error(), tc.ref) {
				t.Errorf("parsePinned(%q): error %q does not quote the ref", tc.ref, err)
			}
			continue
		}
		want := pinnedRef{ref: tc.ref, digest: testDigest}
		if got != want {
			t.Errorf("parsePinned(%q) = %+v, want %+v", tc.ref, got, want)
		}
	}
}

// Refs that are not pinned are refused before any request reaches a
// registry, and do not keep the good request of the same batch from
// being pulled.
func TestPullRefusesUnpinned(t *testing.T) {
	e := newEnv(t)
	proxy := newRegistryProxy(t, e.Registry)
	good := e.Push(t, "test/good", "v1", map[string]string{"good": "yes\n"})
	goodRef := imagestest.Pinned(proxy.host, "test/good", "v1", good)
	p := e.puller(t, Options{PlainHTTP: []string{proxy.host}})
	reqs := []Request{
		{Name: "tag-only", Ref: proxy.host + "/test/good:v1"},
		{Name: "good", Ref: goodRef},
		{Name: "no-host", Ref: "good:v1@" + good},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	got, err := p.Pull(ctx, reqs)

	want := []Result{
		{Name: "tag-only", Ref: reqs[0].Ref},
		{Name: "good", Ref: goodRef, Digest: good, Pulled: true},
		{Name: "no-host", Ref: reqs[2].Ref},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("results (-want +got):\n%s", d)
	}
	if !errors.Is(err, ErrNotPinned) || !errors.Is(err, ErrInvalidRef) {
		t.Fatalf("Pull: %v, want ErrNotPinned and ErrInvalidRef", err)
	}
	for _, s := range []string{"pull tag-only (" + reqs[0].Ref + "): ", "pull no-host (" + reqs[2].Ref + "): "} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not say %q", err, s)
		}
	}
	if strings.Contains(err.Error(), "pull good") {
		t.Errorf("error %q blames the good image", err)
	}
	for _, r := range proxy.take() {
		if !strings.Contains(r, "/test/good/") || strings.Contains(r, "/manifests/v1") {
			t.Errorf("request %q reached the registry; only the pinned good image may", r)
		}
	}
}
