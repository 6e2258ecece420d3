package images

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/containerd/containerd/mount"
	"github.com/google/go-cmp/cmp"
	"github.com/necoship/neco/pkg/images/imagestest"
	"github.com/opencontainers/image-spec/identity"
)

// twoImages pushes two images and returns requests for them through
// proxy. A different salt makes different blobs: containerd shares
// content between namespaces and would not fetch the same blob twice.
func twoImages(t *testing.T, e *testEnv, proxy *registryProxy, salt string) []Request {
	t.Helper()
	one := e.Push(t, "test/one", "v1", map[string]string{"etc/one": "first image\n", "salt": salt})
	two := e.Push(t, "test/two", "v1", map[string]string{"etc/two": "second image\n", "salt": salt})
	return []Request{
		{Name: "one", Ref: imagestest.Pinned(proxy.host, "test/one", "v1", one)},
		{Name: "two", Ref: imagestest.Pinned(proxy.host, "test/two", "v1", two)},
	}
}

func TestPullIsParallel(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		parallel int
		wantMax  int
	}{
		// The proxy holds the first blob until a blob of the other image
		// is asked for. Pulling in parallel, both are in flight at once.
		{parallel: 2, wantMax: 2},
		// The control: one at a time, the hold times out and the two
		// never overlap. It shows the proxy really tells the difference.
		{parallel: 1, wantMax: 1},
	} {
		proxy := newRegistryProxy(t, e.Registry)
		reqs := twoImages(t, e, proxy, fmt.Sprint(tc.parallel))
		p := e.puller(t, Options{PlainHTTP: []string{proxy.host}, Parallel: tc.parallel, Namespace: fmt.Sprintf("parallel-%d", tc.parallel)})
		proxy.set(func(p *registryProxy) { p.holdFirst = true })

		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		got, err := p.Pull(ctx, reqs)
		cancel()
		if err != nil {
			t.Fatalf("parallel %d: Pull: %v", tc.parallel, err)
		}
		if n := proxy.maxReposInFlight(); n != tc.wantMax {
			t.Errorf("parallel %d: blob requests of %d images in flight at once, want %d", tc.parallel, n, tc.wantMax)
		}
		want := []Result{
			{Name: "one", Ref: reqs[0].Ref, Digest: digestOf(reqs[0].Ref), Pulled: true},
			{Name: "two", Ref: reqs[1].Ref, Digest: digestOf(reqs[1].Ref), Pulled: true},
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("parallel %d: results (-want +got):\n%s", tc.parallel, d)
		}
	}
}

func TestPullUnpacksForTheSnapshotter(t *testing.T) {
	e := newEnv(t)
	proxy := newRegistryProxy(t, e.Registry)
	reqs := twoImages(t, e, proxy, "")
	for _, snapshotter := range []string{"overlayfs", "native"} {
		p := e.puller(t, Options{PlainHTTP: []string{proxy.host}, Snapshotter: snapshotter, Namespace: "unpack-" + snapshotter})
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		if _, err := p.Pull(ctx, reqs); err != nil {
			t.Fatalf("%s: Pull: %v", snapshotter, err)
		}
		for _, f := range []struct{ ref, path, want string }{
			{reqs[0].Ref, "etc/one", "first image\n"},
			{reqs[1].Ref, "etc/two", "second image\n"},
		} {
			if got := readFromImage(ctx, t, p, f.ref, f.path); got != f.want {
				t.Errorf("%s: %s in the unpacked image = %q, want %q", snapshotter, f.path, got, f.want)
			}
		}
		cancel()
	}
}

func TestPullAgainIsNoop(t *testing.T) {
	e := newEnv(t)
	proxy := newRegistryProxy(t, e.Registry)
	reqs := twoImages(t, e, proxy, "")
	// A second name for the same ref is pulled once and reported twice.
	reqs = append(reqs, Request{Name: "one-again", Ref: reqs[0].Ref})
	p := e.puller(t, Options{PlainHTTP: []string{proxy.host}})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	first, err := p.Pull(ctx, reqs)
	if err != nil {
		t.Fatalf("first Pull: %v", err)
	}
	for _, r := range first {
		if !r.Pulled {
			t.Errorf("first Pull: %s not pulled", r.Name)
		}
	}
	if n := countPrefix(proxy.take(), "HEAD /v2/test/one/manifests/"); n != 1 {
		t.Errorf("first Pull resolved test/one %d times, want once", n)
	}

	// A new Puller, as after a worker restart: nothing is remembered in
	// memory, containerd alone says the images are there.
	p2 := e.puller(t, Options{PlainHTTP: []string{proxy.host}})
	second, err := p2.Pull(ctx, reqs)
	if err != nil {
		t.Fatalf("second Pull: %v", err)
	}
	want := []Result{
		{Name: "one", Ref: reqs[0].Ref, Digest: digestOf(reqs[0].Ref)},
		{Name: "two", Ref: reqs[1].Ref, Digest: digestOf(reqs[1].Ref)},
		{Name: "one-again", Ref: reqs[0].Ref, Digest: digestOf(reqs[0].Ref)},
	}
	if d := cmp.Diff(want, second); d != "" {
		t.Errorf("second Pull (-want +got):\n%s", d)
	}
	if got := proxy.take(); len(got) != 0 {
		t.Errorf("second Pull sent %d requests to the registry, want none: %q", len(got), got)
	}
}

// readFromImage mounts a read-only view of the image's unpacked snapshot
// and reads path from it: what a container of the image would see.
func readFromImage(ctx context.Context, t *testing.T, p *Puller, ref, path string) string {
	t.Helper()
	ctx = p.withNamespace(ctx)
	img, err := p.client.GetImage(ctx, ref)
	if err != nil {
		t.Fatalf("GetImage %s: %v", ref, err)
	}
	diffIDs, err := img.RootFS(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sn := p.client.SnapshotService(p.snapshotter)
	key := "read-" + filepath.Base(t.Name()) + "-" + path
	mounts, err := sn.View(ctx, key, identity.ChainID(diffIDs).String())
	if err != nil {
		t.Fatalf("view the unpacked %s: %v", ref, err)
	}
	defer sn.Remove(ctx, key)
	var content []byte
	err = mount.WithTempMount(ctx, mounts, func(root string) error {
		var err error
		content, err = os.ReadFile(filepath.Join(root, path))
		return err
	})
	if err != nil {
		t.Fatalf("read %s from %s: %v", path, ref, err)
	}
	return string(content)
}

func digestOf(ref string) string {
	pin, err := parsePinned(ref)
	if err != nil {
		panic(err)
	}
	return pin.digest.String()
}

func countPrefix(lines []string, prefix string) int {
	n := 0
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			n++
		}
	}
	return n
}
