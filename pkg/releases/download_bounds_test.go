package releases

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// endlessStorage answers the storage download of asset id with bytes
// that never end, counts what it handed to the connection, and closes
// done when the client has gone and its handler is over.
type endlessStorage struct {
	id   int64
	sent atomic.Int64
	done chan struct{}
}

func (e *endlessStorage) serve(w http.ResponseWriter, r *http.Request) bool {
	if r.URL.Path != fmt.Sprintf("/storage/%d", e.id) {
		return false
	}
	defer close(e.done)
	w.Header().Set("Content-Type", octetStream)
	chunk := make([]byte, 32<<10)
	for {
		n, err := w.Write(chunk)
		e.sent.Add(int64(n))
		if err != nil {
			return true
		}
	}
}

func dirEntries(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	names := []string{}
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// TestDownloadStopsAtItsBound serves assets that never end: the package,
// SHA256SUMS and its signature each stop with ErrTooLarge at the size
// the release declares (or their ceiling when it declares none), the
// server sees the client go, and nothing is left in the cache directory.
func TestDownloadStopsAtItsBound(t *testing.T) {
	good := newSigner(t, "release")
	payload := []byte(strings.Repeat("p", 100))
	sums := sumsFor(map[string][]byte{pkgName: payload})
	sig := good.sign(t, sums, true)
	tests := []struct {
		name     string
		endless  int // index of the asset that streams forever
		assets   []*fakeAsset
		maxAsset int64
		want     string // what the error says of the limit
	}{
		{name: "package declared as 100 bytes", endless: 0, want: pkgName + " (the size its release declares): more than 100 bytes",
			assets: []*fakeAsset{{name: pkgName, data: payload}, {name: ChecksumsAsset, data: sums}, {name: SignatureAsset, data: sig}}},
		{name: "package declaring no size, max-asset-size 4096", endless: 0, maxAsset: 4096, want: pkgName + " (max-asset-size): more than 4096 bytes",
			assets: []*fakeAsset{{name: pkgName}, {name: ChecksumsAsset, data: sums}, {name: SignatureAsset, data: sig}}},
		{name: "SHA256SUMS declaring no size", endless: 1, want: "SHA256SUMS (the limit for checksums and signatures): more than 1048576 bytes",
			assets: []*fakeAsset{{name: pkgName, data: payload}, {name: ChecksumsAsset}}},
		{name: "SHA256SUMS.sig declared as 64 bytes", endless: 2, want: "SHA256SUMS.sig (the size its release declares): more than 64 bytes",
			assets: []*fakeAsset{{name: pkgName, data: payload}, {name: ChecksumsAsset, data: sums},
				{name: SignatureAsset, size: 64}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeGitHub(t)
			f.add(&fakeRelease{tag: "release-1.0", assets: tt.assets})
			stream := &endlessStorage{id: tt.assets[tt.endless].id, done: make(chan struct{})}
			f.intercept = stream.serve
			c, _, _ := newTestClient(t, f, func(o *Options) { o.MaxAssetSize = tt.maxAsset })
			v, _ := NewVerifier(good.public)
			ctx := context.Background()
			rel, err := c.ReleaseByTag(ctx, "release-1.0")
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			_, err = c.FetchVerified(ctx, rel, pkgName, dir, v)
			if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want ErrTooLarge saying %q", err, tt.want)
			}
			waitClosed(t, stream.done, "the storage handler to see the client go")
			// Before: 1.2 GiB written to the cache in 6 s. Now the client
			// stops at the limit, and the server only filled the sockets.
			if sent, slack := stream.sent.Load(), socketSlack(t); sent > slack {
				t.Errorf("the server handed %d bytes to the connection; the sockets hold at most %d", sent, slack)
			}
			if diff := cmp.Diff([]string{}, dirEntries(t, dir)); diff != "" {
				t.Errorf("left in the cache (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDownloadHandsOnNoMoreThanDeclared: DownloadAsset's writer gets at
// most the declared 100 bytes of an endless stream.
func TestDownloadHandsOnNoMoreThanDeclared(t *testing.T) {
	f := newFakeGitHub(t)
	f.add(&fakeRelease{tag: "release-1.0", assets: []*fakeAsset{{name: pkgName, size: 100}}})
	stream := &endlessStorage{id: f.releases[0].assets[0].id, done: make(chan struct{})}
	f.intercept = stream.serve
	c, _, _ := newTestClient(t, f, nil)
	rel, err := c.ReleaseByTag(context.Background(), "release-1.0")
	if err != nil {
		t.Fatal(err)
	}
	w := &countingWriter{w: discard{}}
	err = c.DownloadAsset(context.Background(), rel.Assets[0], w)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
	if w.n > 100 {
		t.Errorf("handed on %d bytes of an asset declared as 100", w.n)
	}
	waitClosed(t, stream.done, "the storage handler to see the client go")
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// TestAssetDeclaredAboveMaxIsNotRequested: an asset that declares more
// than max-asset-size is refused before a byte of it is asked for.
func TestAssetDeclaredAboveMaxIsNotRequested(t *testing.T) {
	f := newFakeGitHub(t)
	payload := []byte(strings.Repeat("p", 5000))
	r := f.add(&fakeRelease{tag: "release-1.0", assets: []*fakeAsset{
		{name: pkgName, data: payload}, {name: ChecksumsAsset, data: sumsFor(map[string][]byte{pkgName: payload})}}})
	c, _, _ := newTestClient(t, f, func(o *Options) { o.MaxAssetSize = 4096 })
	rel, err := c.ReleaseByTag(context.Background(), "release-1.0")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	_, err = c.FetchVerified(context.Background(), rel, pkgName, dir, nil)
	want := "the release declares 5000 bytes, more than the limit of 4096 (max-asset-size)"
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v, want ErrTooLarge saying %q", err, want)
	}
	for _, req := range f.recorded() {
		if strings.HasSuffix(req.URL.Path, fmt.Sprintf("/%d", r.assets[0].id)) {
			t.Errorf("the package was requested: %s", req.URL.Path)
		}
	}
	if diff := cmp.Diff([]string{}, dirEntries(t, dir)); diff != "" {
		t.Errorf("left in the cache (-want +got):\n%s", diff)
	}
}

// TestSlowAssetEndsWithTheContext trickles the package: the caller's
// deadline ends the download and nothing is left.
func TestSlowAssetEndsWithTheContext(t *testing.T) {
	f := newFakeGitHub(t)
	payload := []byte(strings.Repeat("p", 1000))
	r := f.add(&fakeRelease{tag: "release-1.0", assets: []*fakeAsset{
		{name: pkgName, data: payload}, {name: ChecksumsAsset, data: sumsFor(map[string][]byte{pkgName: payload})}}})
	done := make(chan struct{})
	f.intercept = func(w http.ResponseWriter, req *http.Request) bool {
		if req.URL.Path != fmt.Sprintf("/storage/%d", r.assets[0].id) {
			return false
		}
		defer close(done)
		trickle(w, req, octetStream)
		return true
	}
	c, _, _ := newTestClient(t, f, nil)
	rel, err := c.ReleaseByTag(context.Background(), "release-1.0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	dir := t.TempDir()
	if _, err := c.FetchVerified(ctx, rel, pkgName, dir, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the context's deadline", err)
	}
	waitClosed(t, done, "the storage handler to see the client go")
	if diff := cmp.Diff([]string{}, dirEntries(t, dir)); diff != "" {
		t.Errorf("left in the cache (-want +got):\n%s", diff)
	}
}

// TestDownloadFullDisk downloads 2 MiB into a 1 MiB tmpfs: a clear
// ErrNoSpace naming the directory, and nothing left. It needs root (to
// mount) and skips without it.
func TestDownloadFullDisk(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=1m"); err != nil {
		t.Skipf("mount a 1 MiB tmpfs (needs root): %v", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	f := newFakeGitHub(t)
	payload := []byte(strings.Repeat("0123456789abcdef", 2<<20/16))
	f.add(&fakeRelease{tag: "release-1.0", assets: []*fakeAsset{
		{name: pkgName, data: payload}, {name: ChecksumsAsset, data: sumsFor(map[string][]byte{pkgName: payload})}}})
	c, _, _ := newTestClient(t, f, nil)
	rel, err := c.ReleaseByTag(context.Background(), "release-1.0")
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.FetchVerified(context.Background(), rel, pkgName, dir, nil)
	if !errors.Is(err, ErrNoSpace) || !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), pkgName+" in "+dir+" after ") {
		t.Fatalf("err = %v, want ErrNoSpace naming %s and %s", err, pkgName, dir)
	}
	t.Log(err)
	if diff := cmp.Diff([]string{}, dirEntries(t, dir)); diff != "" {
		t.Errorf("left on the full disk (-want +got):\n%s", diff)
	}
}
