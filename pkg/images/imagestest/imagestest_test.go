package imagestest

import (
	"archive/tar"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// What Push returns is what the registry serves under the pinned ref: a
// linux/amd64 image whose one layer holds the files.
func TestPushServesPinnedImage(t *testing.T) {
	e := Start(t)
	files := map[string]string{"etc/app": "hello\n", "version": "1\n"}
	dg := e.Push(t, "test/app", "v1", files)
	if !strings.HasPrefix(dg, "sha256:") {
		t.Fatalf("Push returned %q, want a sha256 digest", dg)
	}
	if again := e.Push(t, "test/again", "v2", files); again != dg {
		t.Errorf("the same files pushed twice: digests %s and %s", dg, again)
	}

	ref := Pinned(e.Registry, "test/app", "v1", dg)
	if want := e.Registry + "/test/app:v1@" + dg; ref != want {
		t.Errorf("Pinned = %q, want %q", ref, want)
	}
	img, err := remote.Image(mustParse(t, ref))
	if err != nil {
		t.Fatalf("pull %s: %v", ref, err)
	}
	if got, err := img.Digest(); err != nil || got.String() != dg {
		t.Errorf("registry serves %s (err %v), want %s", got, err, dg)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.OS != "linux" || cfg.Architecture != "amd64" {
		t.Errorf("platform %s/%s, want linux/amd64", cfg.OS, cfg.Architecture)
	}
	layers, err := img.Layers()
	if err != nil || len(layers) != 1 {
		t.Fatalf("%d layers (err %v), want 1", len(layers), err)
	}
	if d := cmp.Diff(files, layerFiles(t, layers[0].Uncompressed)); d != "" {
		t.Errorf("layer files (-want +got):\n%s", d)
	}
}

// Both daemons answer while the test runs and are gone when it ends: no
// process is left behind.
func TestStartStopsWhenTestEnds(t *testing.T) {
	var e *Env
	t.Run("running", func(t *testing.T) {
		e = Start(t)
		c, err := net.Dial("unix", e.Socket)
		if err != nil {
			t.Fatalf("dial containerd %s: %v", e.Socket, err)
		}
		c.Close()
		if _, err := remote.Catalog(t.Context(), mustParse(t, e.Registry+"/x:y").Context().Registry); err != nil {
			t.Fatalf("registry %s: %v", e.Registry, err)
		}
	})
	if e == nil {
		t.Skip("the daemons did not start")
	}
	if c, err := net.Dial("unix", e.Socket); err == nil {
		c.Close()
		t.Errorf("containerd still answers on %s after its test ended", e.Socket)
	}
	if c, err := net.Dial("tcp", e.Registry); err == nil {
		c.Close()
		t.Errorf("registry still answers on %s after its test ended", e.Registry)
	}
}

func TestFreeAddrIsFree(t *testing.T) {
	addr := FreeAddr(t)
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen on %s: %v", addr, err)
	}
	l.Close()
}

func mustParse(t *testing.T, ref string) name.Reference {
	t.Helper()
	r, err := name.ParseReference(ref, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func layerFiles(t *testing.T, open func() (io.ReadCloser, error)) map[string]string {
	t.Helper()
	rc, err := open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	got := map[string]string{}
	tr := tar.NewReader(rc)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return got
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		got[hdr.Name] = string(b)
	}
}

// The auth registry serves an image to its user and to nobody else.
func TestAuthRegistryServesOnlyItsUsers(t *testing.T) {
	needBinary(t, registryBin, "docker-registry")
	reg := StartAuthRegistry(t, map[string]string{"alice": "right", "bob": "other"})
	dg := PushAs(t, reg, "alice", "right", "test/private", "v1", map[string]string{"f": "private\n"})
	ref := mustParse(t, Pinned(reg, "test/private", "v1", dg))
	for _, tc := range []struct {
		name string
		auth authn.Authenticator
		ok   bool
	}{
		{"alice", &authn.Basic{Username: "alice", Password: "right"}, true},
		{"bob", &authn.Basic{Username: "bob", Password: "other"}, true},
		{"wrong password", &authn.Basic{Username: "alice", Password: "wrong"}, false},
		{"anonymous", authn.Anonymous, false},
	} {
		_, err := remote.Image(ref, remote.WithAuth(tc.auth))
		if (err == nil) != tc.ok {
			t.Errorf("%s: pull error %v, want success %v", tc.name, err, tc.ok)
		}
		var terr *transport.Error
		if !tc.ok && (!errors.As(err, &terr) || terr.StatusCode != http.StatusUnauthorized) {
			t.Errorf("%s: %v, want 401 Unauthorized", tc.name, err)
		}
	}
}
