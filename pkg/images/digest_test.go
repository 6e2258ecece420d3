package images

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/containerd/containerd/errdefs"
	"github.com/containerd/containerd/images"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/necoship/neco/pkg/images/imagestest"
	"github.com/opencontainers/go-digest"
)

// digestEnv has two images pushed one after the other under the same tag:
// the tag now names "new", while "old" is still in the registry.
type digestEnv struct {
	e        *testEnv
	proxy    *registryProxy
	p        *Puller
	old, new string // manifest digests
}

func newDigestEnv(t *testing.T) *digestEnv {
	e := newEnv(t)
	d := &digestEnv{e: e, proxy: newRegistryProxy(t, e.Registry)}
	d.old = e.Push(t, "test/app", "1.0", map[string]string{"version": "old\n"})
	d.new = e.Push(t, "test/app", "1.0", map[string]string{"version": "new\n"})
	d.p = e.puller(t, Options{PlainHTTP: []string{d.proxy.host}})
	return d
}

func (d *digestEnv) ref(digest string) string {
	return imagestest.Pinned(d.proxy.host, "test/app", "1.0", digest)
}

func (d *digestEnv) pull(t *testing.T, ref string) (Result, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	got, err := d.p.Pull(ctx, []Request{{Name: "app", Ref: ref}})
	if len(got) != 1 {
		t.Fatalf("Pull returned %d results for 1 request", len(got))
	}
	return got[0], err
}

// storedDigest is the target of the image record named ref, or "" when
// there is none.
func (d *digestEnv) storedDigest(t *testing.T, ref string) string {
	t.Helper()
	img, err := d.p.client.ImageService().Get(d.p.withNamespace(context.Background()), ref)
	if errdefs.IsNotFound(err) {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return img.Target.Digest.String()
}

// containerd resolves name:tag@digest by the digest alone: the tag has
// moved to "new", and the ref pinned to "old" still gets "old".
func TestPullResolvesByDigestNotTag(t *testing.T) {
	d := newDigestEnv(t)
	ref := d.ref(d.old)
	got, err := d.pull(t, ref)
	if err != nil {
		t.Fatalf("Pull: %v", err)
	}
	want := Result{Name: "app", Ref: ref, Digest: d.old, Pulled: true}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
	if s := d.storedDigest(t, ref); s != d.old {
		t.Errorf("image %s stored with digest %s, want %s", ref, s, d.old)
	}
	for _, r := range d.proxy.take() {
		if strings.Contains(r, "/manifests/1.0") {
			t.Errorf("the tag was resolved (%s); a pinned ref must be resolved by digest", r)
		}
	}
}

// A digest the registry does not hold is not found, whatever the tag
// names: ErrNotFound, and no record under the ref.
func TestPullPinnedDigestAbsent(t *testing.T) {
	d := newDigestEnv(t)
	absent := "sha256:" + strings.Repeat("0", 64)
	ref := d.ref(absent)
	got, err := d.pull(t, ref)
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("Pull: %v, want ErrNotFound", err)
	}
	if errors.Is(err, ErrDigestMismatch) {
		t.Errorf("Pull: %v is also ErrDigestMismatch", err)
	}
	if want := "pull app (" + ref + "): "; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %q does not start with %q", err, want)
	}
	if diff := cmp.Diff(Result{Name: "app", Ref: ref}, got); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
	if s := d.storedDigest(t, ref); s != "" {
		t.Errorf("image %s stored with digest %s after a failed pull", ref, s)
	}
}

// A registry (or mirror) that answers the pinned digest with another
// manifest is refused before containerd stores it: ErrDigestMismatch
// naming both digests, no record under the ref, no half-written ingest,
// and a later pull from an honest registry works.
func TestPullRegistryServesOtherManifest(t *testing.T) {
	d := newDigestEnv(t)
	ref := d.ref(d.old)
	d.proxy.set(func(p *registryProxy) {
		p.rewrite["/v2/test/app/manifests/"+d.old] = "/v2/test/app/manifests/" + d.new
	})
	got, err := d.pull(t, ref)
	if !errors.Is(err, ErrDigestMismatch) {
		t.Fatalf("Pull: %v, want ErrDigestMismatch", err)
	}
	for _, s := range []string{"pull app (" + ref + ")", "pinned " + d.old, "registry served " + d.new} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not say %q", err, s)
		}
	}
	if diff := cmp.Diff(Result{Name: "app", Ref: ref}, got); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
	if s := d.storedDigest(t, ref); s != "" {
		t.Errorf("image %s stored with digest %s after a mismatch", ref, s)
	}
	ctx := d.p.withNamespace(context.Background())
	if _, err := d.p.client.ContentStore().Info(ctx, digest.Digest(d.new)); !errdefs.IsNotFound(err) {
		t.Errorf("the served manifest %s is in the content store (err %v)", d.new, err)
	}

	d.proxy.set(func(p *registryProxy) { clear(p.rewrite) })
	got, err = d.pull(t, ref)
	if err != nil {
		t.Fatalf("Pull from the honest registry: %v", err)
	}
	if diff := cmp.Diff(Result{Name: "app", Ref: ref, Digest: d.old, Pulled: true}, got); diff != "" {
		t.Errorf("result from the honest registry (-want +got):\n%s", diff)
	}
}

// A record under the pinned ref that targets other content (written by
// hand, or by an older tool) is not taken as present: it is replaced.
func TestPullReplacesRecordWithOtherDigest(t *testing.T) {
	d := newDigestEnv(t)
	ref := d.ref(d.old)
	// Pull "new" under its own ref, then point a record named after
	// "old" at it.
	if _, err := d.pull(t, d.ref(d.new)); err != nil {
		t.Fatal(err)
	}
	ctx := d.p.withNamespace(context.Background())
	newImg, err := d.p.client.ImageService().Get(ctx, d.ref(d.new))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.p.client.ImageService().Create(ctx, images.Image{Name: ref, Target: newImg.Target}); err != nil {
		t.Fatal(err)
	}

	got, err := d.pull(t, ref)
	if err != nil {
		t.Fatalf("Pull: %v", err)
	}
	if diff := cmp.Diff(Result{Name: "app", Ref: ref, Digest: d.old, Pulled: true}, got); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
	if s := d.storedDigest(t, ref); s != d.old {
		t.Errorf("image %s stored with digest %s, want %s", ref, s, d.old)
	}
}

// A layer whose bytes differ from what the verified manifest promises is
// refused by containerd's commit. The bad ingest is discarded, so that
// the pull succeeds as soon as the registry serves the right bytes
// (containerd alone would fail that way forever).
func TestPullRecoversFromBadLayer(t *testing.T) {
	d := newDigestEnv(t)
	ref := d.ref(d.old)
	oldLayer, newLayer := d.layerOf(t, d.old), d.layerOf(t, d.new)
	d.proxy.set(func(p *registryProxy) {
		p.rewrite["/v2/test/app/blobs/"+oldLayer] = "/v2/test/app/blobs/" + newLayer
	})
	_, err := d.pull(t, ref)
	if !errors.Is(err, ErrDigestMismatch) {
		t.Fatalf("Pull: %v, want ErrDigestMismatch", err)
	}
	if !strings.Contains(err.Error(), oldLayer) {
		t.Errorf("error %q does not name the layer %s", err, oldLayer)
	}
	if s := d.storedDigest(t, ref); s != "" {
		t.Errorf("image %s stored with digest %s after a bad layer", ref, s)
	}
	ctx := d.p.withNamespace(context.Background())
	if st, err := d.p.client.ContentStore().ListStatuses(ctx); err != nil || len(st) != 0 {
		t.Errorf("ingests left after the bad layer: %+v (err %v)", st, err)
	}

	d.proxy.set(func(p *registryProxy) { clear(p.rewrite) })
	got, err := d.pull(t, ref)
	if err != nil {
		t.Fatalf("Pull from the honest registry: %v", err)
	}
	if diff := cmp.Diff(Result{Name: "app", Ref: ref, Digest: d.old, Pulled: true}, got); diff != "" {
		t.Errorf("result from the honest registry (-want +got):\n%s", diff)
	}
	if got := readFromImage(ctx, t, d.p, ref, "version"); got != "old\n" {
		t.Errorf("version in the unpacked image = %q, want %q", got, "old\n")
	}
}

// layerOf returns the digest of the only layer of the pushed image.
func (d *digestEnv) layerOf(t *testing.T, manifest string) string {
	t.Helper()
	ref, err := name.ParseReference(d.e.Registry+"/test/app@"+manifest, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	img, err := remote.Image(ref)
	if err != nil {
		t.Fatal(err)
	}
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	return m.Layers[0].Digest.String()
}
