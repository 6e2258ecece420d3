package worker

import (
	"context"
	"sync"

	"github.com/necoship/neco/pkg/images"
	"github.com/necoship/neco/pkg/op"
	"github.com/necoship/neco/pkg/plan"
)

// lazy connects to a daemon on first use, and again on the next use after a
// failed attempt. The worker thus starts and reports while containerd or
// systemd is still coming up (a failed connect is a failed, retried step
// that `neco status` shows, not a crash loop), and a plan that needs
// neither never connects.
type lazy[T any] struct {
	connect func(ctx context.Context) (T, error)
	close   func(T)

	mu  sync.Mutex
	v   T
	set bool
}

func (l *lazy[T]) get(ctx context.Context) (T, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.set {
		return l.v, nil
	}
	v, err := l.connect(ctx)
	if err != nil {
		return v, err
	}
	l.v, l.set = v, true
	return v, nil
}

// Close closes the connection if one was made.
func (l *lazy[T]) Close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.set {
		l.close(l.v)
		l.set = false
	}
}

// lazyUnits is op.Units over a systemd connection made when first needed.
type lazyUnits struct{ *lazy[Units] }

var _ op.Units = lazyUnits{}

func (u lazyUnits) do(ctx context.Context, f func(Units) error) error {
	c, err := u.get(ctx)
	if err != nil {
		return err
	}
	return f(c)
}

func (u lazyUnits) Reload(ctx context.Context) error {
	return u.do(ctx, func(c Units) error { return c.Reload(ctx) })
}

func (u lazyUnits) Start(ctx context.Context, unit string) error {
	return u.do(ctx, func(c Units) error { return c.Start(ctx, unit) })
}

func (u lazyUnits) Stop(ctx context.Context, unit string) error {
	return u.do(ctx, func(c Units) error { return c.Stop(ctx, unit) })
}

func (u lazyUnits) Restart(ctx context.Context, unit string) error {
	return u.do(ctx, func(c Units) error { return c.Restart(ctx, unit) })
}

// Check needs no systemd connection: health checks are HTTP or commands.
func (u lazyUnits) Check(ctx context.Context, h plan.Health) error { return Units{}.Check(ctx, h) }

// lazyImages is op.Images over a containerd connection made when first
// needed, pulling with the registry access of the round's cluster config.
type lazyImages struct {
	*lazy[Images]
	access images.Access
}

var _ op.Images = lazyImages{}

func (im lazyImages) Pull(ctx context.Context, imgs []plan.Image) ([]op.Image, error) {
	c, err := im.get(ctx)
	if err != nil {
		return nil, err
	}
	c.Access = im.access
	return c.Pull(ctx, imgs)
}
