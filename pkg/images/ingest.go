package images

import (
	"context"
	"sync"

	"github.com/containerd/containerd/images"
	"github.com/containerd/containerd/remotes"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// handledBlobs records every descriptor one pull handled, so that a
// failed pull can find the ingests it left in containerd.
type handledBlobs struct {
	mu    sync.Mutex
	descs []ocispec.Descriptor
}

// handler is a containerd image handler that only records.
func (h *handledBlobs) handler() images.HandlerFunc {
	return func(_ context.Context, desc ocispec.Descriptor) ([]ocispec.Descriptor, error) {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.descs = append(h.descs, desc)
		return nil, nil
	}
}

// discardBad aborts the ingests of the recorded blobs that hold all their
// bytes yet were not committed, and reports whether it found any.
//
// containerd checks a blob's size and digest only when it commits the
// ingest, and it keeps a failed ingest: the next pull finds it complete,
// commits it again and fails the same way, forever, even once the
// registry serves the right bytes. A short ingest is kept, so that a
// large layer resumes where a broken download stopped.
//
// A concurrent pull of a layer this one shares could be caught at the
// instant between its last write and its commit; it then fails once and
// succeeds on retry. Called only after a failed commit, so that rare.
func (p *Puller) discardBad(ctx context.Context, h *handledBlobs) bool {
	h.mu.Lock()
	descs := append([]ocispec.Descriptor(nil), h.descs...)
	h.mu.Unlock()
	cs := p.client.ContentStore()
	found := false
	for _, d := range descs {
		ref := remotes.MakeRefKey(ctx, d)
		st, err := cs.Status(ctx, ref)
		// No ingest (committed, or never started), or containerd not
		// answering: the next failed pull looks again.
		if err != nil || st.Offset < d.Size {
			continue
		}
		if cs.Abort(ctx, ref) == nil {
			found = true
		}
	}
	return found
}
