package imagestest

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"maps"
	"slices"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// Push builds a one-layer linux/amd64 image holding files (path in the
// image -> content) and pushes it to the env's registry as repo:tag. It
// returns the manifest digest ("sha256:..."); Pinned(e.Registry, repo,
// tag, digest) is the ref to pull it by.
//
// The same files make the same digest. containerd shares blobs between
// namespaces and does not fetch a blob it holds, so a test that must see
// a blob fetched pushes files no other image of its containerd has.
func (e *Env) Push(t testing.TB, repo, tag string, files map[string]string) string {
	t.Helper()
	d, err := Push(e.Registry+"/"+repo+":"+tag, files)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Push builds Image(files) and pushes it over plain HTTP to ref
// (REGISTRY/REPO:TAG) with opts (a transport that dials into a network
// namespace, say). It returns the manifest digest.
func Push(ref string, files map[string]string, opts ...remote.Option) (string, error) {
	img, err := Image(files)
	if err != nil {
		return "", err
	}
	r, err := name.ParseReference(ref, name.Insecure)
	if err != nil {
		return "", err
	}
	if err := remote.Write(r, img, opts...); err != nil {
		return "", fmt.Errorf("push %s: %w", r, err)
	}
	d, err := img.Digest()
	if err != nil {
		return "", err
	}
	return d.String(), nil
}

// Image is a one-layer linux/amd64 image holding files (path in the image
// -> content). The same files make the same image.
func Image(files map[string]string) (v1.Image, error) {
	layerTar, err := tarOf(files)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerTar)), nil
	})
	if err != nil {
		return nil, err
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		return nil, err
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	// Keep the diff IDs AppendLayers recorded; only name the platform,
	// which containerd matches against its own when it unpacks.
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture = "linux", "amd64"
	return mutate.ConfigFile(img, cfg)
}

// tarOf makes a layer of regular files, in sorted order so that the same
// files always make the same bytes.
func tarOf(files map[string]string) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, path := range slices.Sorted(maps.Keys(files)) {
		content := files[path]
		hdr := &tar.Header{Name: path, Mode: 0o644, Size: int64(len(content)), Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, err := tw.Write([]byte(content)); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
