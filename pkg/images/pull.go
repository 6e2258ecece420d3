package images

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// Request asks for one image of a release's plan.
type Request struct {
	// Name is the plan's name for the image ("cke"); it only labels
	// results and errors.
	Name string
	// Ref is the digest-pinned reference,
	// "registry.example/cybozu/cke:1.30.1@sha256:...".
	Ref string
}

// Result reports one Request, at the same index.
type Result struct {
	Name, Ref string
	// Digest is the image's digest once it is in containerd; empty when
	// the request failed.
	Digest string
	// Pulled is false when the image was already stored with that digest
	// and unpacked, or when the request failed.
	Pulled bool
}

// Pull makes every requested image present and unpacked, pulling at most
// Options.Parallel at once. Requests with the same Ref are pulled once.
//
// The results follow the order of reqs, failed ones included (with an
// empty Digest). The error joins one error per failed request, each naming
// the image; the requests that succeeded stay done, so calling Pull again
// with the same reqs only repeats the failures.
func (p *Puller) Pull(ctx context.Context, reqs []Request) ([]Result, error) {
	ctx = p.withNamespace(ctx)
	res := p.resolver()
	type outcome struct {
		digest string
		pulled bool
		err    error
	}
	// Distinct refs in the order of reqs, so that with more images
	// than slots the plan's first ones start first.
	byRef := make(map[string]*outcome)
	var refs []string
	for _, r := range reqs {
		if _, dup := byRef[r.Ref]; !dup {
			byRef[r.Ref] = &outcome{}
			refs = append(refs, r.Ref)
		}
	}

	var wg sync.WaitGroup
	slots := make(chan struct{}, p.parallel)
	for _, ref := range refs {
		o := byRef[ref]
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			o.err = ctx.Err()
			continue
		}
		wg.Go(func() {
			defer func() { <-slots }()
			o.digest, o.pulled, o.err = p.ensure(ctx, res, ref)
		})
	}
	wg.Wait()

	results := make([]Result, len(reqs))
	var errs []error
	for i, r := range reqs {
		o := byRef[r.Ref]
		results[i] = Result{Name: r.Name, Ref: r.Ref, Digest: o.digest, Pulled: o.pulled}
		if o.err != nil {
			errs = append(errs, fmt.Errorf("pull %s (%s): %w", r.Name, r.Ref, o.err))
		}
	}
	return results, errors.Join(errs...)
}
