package images

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/containerd/containerd/remotes"
	"github.com/containerd/containerd/remotes/docker"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// pinnedResolver holds a registry to the pinned digest of one pull.
//
// containerd's own checks already refuse a wrong blob, but only when it
// commits the blob to its content store: the bytes sit in the ingest by
// then and the error is a generic "failed precondition". Checking the root
// manifest here, before containerd writes a byte of it, makes a lying
// registry or mirror fail with ErrDigestMismatch naming both digests and
// leaves nothing behind. Everything below the root manifest is addressed
// by digests inside that verified manifest; containerd checks those on
// commit, and discardBad cleans up after a blob it refused.
type pinnedResolver struct {
	remotes.Resolver
	pin digest.Digest
}

// Resolve refuses a descriptor for any other digest. containerd's docker
// resolver never returns one for a ref with a digest (it builds the
// descriptor from the ref), but the check costs nothing and keeps the
// guarantee independent of that detail.
func (r pinnedResolver) Resolve(ctx context.Context, ref string) (string, ocispec.Descriptor, error) {
	name, desc, err := r.Resolver.Resolve(ctx, ref)
	if err != nil {
		return "", ocispec.Descriptor{}, err
	}
	if desc.Digest != r.pin {
		return "", ocispec.Descriptor{}, mismatch(r.pin, desc.Digest)
	}
	return name, desc, nil
}

func (r pinnedResolver) Fetcher(ctx context.Context, ref string) (remotes.Fetcher, error) {
	f, err := r.Resolver.Fetcher(ctx, ref)
	if err != nil {
		return nil, err
	}
	return pinnedFetcher{Fetcher: f, pin: r.pin}, nil
}

type pinnedFetcher struct {
	remotes.Fetcher
	pin digest.Digest
}

// Fetch reads the pinned manifest whole and hashes it before handing it
// on; other blobs pass through. Manifests are small (containerd refuses
// more than docker.MaxManifestSize), so holding one in memory is cheap.
func (f pinnedFetcher) Fetch(ctx context.Context, desc ocispec.Descriptor) (io.ReadCloser, error) {
	rc, err := f.Fetcher.Fetch(ctx, desc)
	if err != nil || desc.Digest != f.pin {
		return rc, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, docker.MaxManifestSize+1))
	if err != nil {
		return nil, fmt.Errorf("read manifest %s: %w", f.pin, err)
	}
	if int64(len(b)) > docker.MaxManifestSize {
		return nil, fmt.Errorf("manifest %s: larger than %d bytes", f.pin, docker.MaxManifestSize)
	}
	if got := f.pin.Algorithm().FromBytes(b); got != f.pin {
		return nil, mismatch(f.pin, got)
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

func mismatch(pinned, served digest.Digest) error {
	return fmt.Errorf("%w: pinned %s, registry served %s", ErrDigestMismatch, pinned, served)
}
