package images

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/http"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/containerd/containerd"
	"github.com/containerd/containerd/errdefs"
	"github.com/containerd/containerd/namespaces"
	"github.com/containerd/containerd/plugin"
	"go.uber.org/zap"
)

// Puller pulls images through one containerd connection. It is safe for
// concurrent use.
type Puller struct {
	client      *containerd.Client
	namespace   string
	snapshotter string
	parallel    int
	plainHTTP   []string
	mirrors     map[string]string
	dial        dialFunc
	log         *zap.Logger

	mu        sync.Mutex
	access    Access
	transport *http.Transport // of access
}

// New connects to containerd, makes sure the namespace exists and that
// the snapshotter is loaded, so that a misconfigured boot server fails
// here rather than in the middle of an update.
//
// The dial gives up after the earlier of Options.DialTimeout and ctx's
// deadline; containerd's client cannot be interrupted sooner, so a ctx
// cancelled without a deadline is noticed once the dial returns.
func New(ctx context.Context, o Options) (*Puller, error) {
	o = o.withDefaults()
	if err := o.validate(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("connect containerd %s: %w", o.Address, err)
	}
	timeout := o.DialTimeout
	if d, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(d))
	}
	// The client's dial takes no ctx, only this timeout. No default
	// namespace either: with one, New asks the daemon for that
	// namespace's labels without any deadline.
	client, err := containerd.New(o.Address, containerd.WithTimeout(timeout))
	if err != nil {
		// gRPC only says the dial timed out; say why when it is plain.
		if _, serr := os.Stat(o.Address); errors.Is(serr, fs.ErrNotExist) {
			err = fmt.Errorf("%w (no socket there: is containerd running?)", err)
		}
		return nil, fmt.Errorf("connect containerd %s: %w", o.Address, err)
	}
	p := &Puller{
		client:      client,
		namespace:   o.Namespace,
		snapshotter: o.Snapshotter,
		parallel:    o.Parallel,
		plainHTTP:   slices.Clone(o.PlainHTTP),
		mirrors:     maps.Clone(o.Mirrors),
		dial:        o.dial,
		log:         o.Logger,
		access:      o.Access.clone(),
		transport:   newTransport(o.Access, o.dial),
	}
	if err := p.prepare(ctx); err != nil {
		client.Close()
		return nil, err
	}
	return p, nil
}

// prepare creates the namespace and checks the snapshotter.
func (p *Puller) prepare(ctx context.Context) error {
	// Create is atomic where list-then-create would race with another
	// client creating the same namespace. containerd publishes the event
	// in the namespace itself, so ctx must name it too.
	err := p.client.NamespaceService().Create(p.withNamespace(ctx), p.namespace, nil)
	if err != nil && !errdefs.IsAlreadyExists(err) {
		return fmt.Errorf("create namespace %s: %w", p.namespace, err)
	}
	return p.checkSnapshotter(ctx)
}

// checkSnapshotter asks containerd whether the snapshotter loaded. A
// snapshotter that failed to initialise (overlayfs on a file system it
// cannot stack on) is listed with its init error, which says why far
// better than the unpack error would.
func (p *Puller) checkSnapshotter(ctx context.Context) error {
	resp, err := p.client.IntrospectionService().Plugins(ctx, []string{
		fmt.Sprintf("type==%s,id==%s", plugin.SnapshotPlugin, p.snapshotter),
	})
	if err != nil {
		return fmt.Errorf("list snapshotters: %w", err)
	}
	if len(resp.Plugins) == 0 {
		return fmt.Errorf("snapshotter %s: not a containerd snapshotter", p.snapshotter)
	}
	if ie := resp.Plugins[0].InitErr; ie != nil {
		return fmt.Errorf("snapshotter %s: did not load: %s", p.snapshotter, ie.Message)
	}
	return nil
}

// Close closes the connection to containerd.
func (p *Puller) Close() error {
	p.mu.Lock()
	p.transport.CloseIdleConnections()
	p.mu.Unlock()
	return p.client.Close()
}

// withNamespace scopes ctx to the Puller's namespace; every containerd
// call goes through it.
func (p *Puller) withNamespace(ctx context.Context) context.Context {
	return namespaces.WithNamespace(ctx, p.namespace)
}
