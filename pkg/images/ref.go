package images

import (
	"errors"
	"fmt"

	"github.com/distribution/reference"
	"github.com/opencontainers/go-digest"
)

// pinnedRef is a ref that passed parsePinned: fully qualified and carrying
// a digest.
type pinnedRef struct {
	ref    string // exactly as given; the containerd image name
	digest digest.Digest
}

// parsePinned checks ref's shape before anything talks to a registry.
//
// It demands the canonical form (explicit registry host, no "docker.io"
// shortcuts) because the ref is also the name the image gets in
// containerd, and the site's units must find it under the very string the
// plan wrote.
func parsePinned(ref string) (pinnedRef, error) {
	if ref == "" {
		return pinnedRef{}, fmt.Errorf("%w: empty", ErrInvalidRef)
	}
	named, err := reference.ParseNamed(ref)
	if errors.Is(err, reference.ErrNameNotCanonical) {
		return pinnedRef{}, fmt.Errorf("%w: %q must name its registry host (registry.example/repo:tag@sha256:...)", ErrInvalidRef, ref)
	}
	if err != nil {
		return pinnedRef{}, fmt.Errorf("%w: %q: %w", ErrInvalidRef, ref, err)
	}
	digested, ok := named.(reference.Digested)
	if !ok {
		return pinnedRef{}, fmt.Errorf("%w: %q has no @sha256:... digest", ErrNotPinned, ref)
	}
	return pinnedRef{ref: ref, digest: digested.Digest()}, nil
}
