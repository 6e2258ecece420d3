package images

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/containerd/containerd"
	"github.com/containerd/containerd/errdefs"
	"github.com/containerd/containerd/remotes"
	"go.uber.org/zap"
)

// ensure makes one ref present and unpacked. It returns the image's
// digest and whether it had to pull.
func (p *Puller) ensure(ctx context.Context, res remotes.Resolver, ref string) (string, bool, error) {
	pin, err := parsePinned(ref)
	if err != nil {
		return "", false, err
	}
	present, err := p.present(ctx, pin)
	if err != nil {
		return "", false, err
	}
	if present {
		p.log.Debug("image present", zap.String(keyRef, pin.ref), zap.Stringer(keyDigest, pin.digest))
		return pin.digest.String(), false, nil
	}
	start := time.Now()
	if err := p.pull(ctx, res, pin); err != nil {
		return "", false, err
	}
	p.log.Info("image pulled", zap.String(keyRef, pin.ref), zap.Stringer(keyDigest, pin.digest),
		zap.Duration(keyElapsed, time.Since(start)))
	return pin.digest.String(), true, nil
}

// present reports whether the image is stored under its ref with the
// pinned digest and unpacked. A record with another digest is deleted: a
// pinned name must never lead to other content, even if the pull that
// follows fails.
func (p *Puller) present(ctx context.Context, pin pinnedRef) (bool, error) {
	img, err := p.client.GetImage(ctx, pin.ref)
	if errdefs.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("look up image: %w", err)
	}
	if stored := img.Target().Digest; stored != pin.digest {
		p.log.Warn("image stored under its ref with another digest; replacing it",
			zap.String(keyRef, pin.ref), zap.Stringer(keyDigest, pin.digest), zap.Stringer(keyStored, stored))
		if err := p.deleteImage(ctx, pin.ref); err != nil {
			return false, err
		}
		return false, nil
	}
	unpacked, err := img.IsUnpacked(ctx, p.snapshotter)
	if err != nil {
		// Typically content removed behind containerd's back; a pull
		// fetches what is missing and unpacks again.
		p.log.Info("image present but not usable; pulling again",
			zap.String(keyRef, pin.ref), zap.String(keyReason, err.Error()))
		return false, nil
	}
	return unpacked, nil
}

// pull fetches and unpacks one image through res, pinned.
//
// It holds its own lease over the pull's content until it returns.
// containerd's Pull would otherwise take one that ends with the call, and
// the garbage collector, which runs when it will, could remove a refused
// ingest before discardBad looks for it: whether a bad layer reads as
// ErrDigestMismatch would then depend on timing.
func (p *Puller) pull(ctx context.Context, res remotes.Resolver, pin pinnedRef) (err error) {
	ctx, release, err := p.client.WithLease(ctx)
	if err != nil {
		return fmt.Errorf("lease for %s: %w", pin.ref, err)
	}
	defer func() {
		// The pulled image references what it needs; the lease only kept
		// ingests alive until now.
		if rerr := release(context.WithoutCancel(ctx)); rerr != nil && err == nil {
			err = fmt.Errorf("release lease for %s: %w", pin.ref, rerr)
		}
	}()
	var handled handledBlobs
	img, err := p.client.Pull(ctx, pin.ref,
		containerd.WithResolver(pinnedResolver{Resolver: res, pin: pin.digest}),
		containerd.WithImageHandler(handled.handler()),
		containerd.WithPullUnpack,
		containerd.WithPullSnapshotter(p.snapshotter),
	)
	switch {
	case err == nil:
	case errors.Is(err, ErrDigestMismatch), errors.Is(err, ErrUnauthorized), errors.Is(err, ErrCredentialsWithheld):
		return err
	case refusedStatus(err):
		// Refused without a challenge hostAuthorizer could read, or an
		// anonymous token refused: the URL in err names the registry.
		return fmt.Errorf("%w: %w", ErrUnauthorized, err)
	case errdefs.IsNotFound(err):
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	// containerd's commit refused a blob whose size or digest is not the
	// one its manifest promised.
	case errdefs.IsFailedPrecondition(err) && p.discardBad(ctx, &handled):
		return fmt.Errorf("%w: %w", ErrDigestMismatch, err)
	default:
		return err
	}
	// pinnedResolver already refused any other digest; this guards the
	// promise of the name should containerd ever resolve differently.
	if got := img.Target().Digest; got != pin.digest {
		if err := p.deleteImage(ctx, pin.ref); err != nil {
			return err
		}
		return mismatch(pin.digest, got)
	}
	return nil
}

func (p *Puller) deleteImage(ctx context.Context, ref string) error {
	err := p.client.ImageService().Delete(ctx, ref)
	if err != nil && !errdefs.IsNotFound(err) {
		return fmt.Errorf("delete image %s: %w", ref, err)
	}
	return nil
}
