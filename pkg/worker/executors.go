package worker

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/necoship/neco/pkg/deb"
	"github.com/necoship/neco/pkg/images"
	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/op"
	"github.com/necoship/neco/pkg/plan"
	"github.com/necoship/neco/pkg/units"
)

// Packages installs with pkg/deb. Self installs neco's own package; the
// daemon makes it run dpkg -i as a transient unit.
type Packages struct {
	Installer *deb.Installer
	Self      *deb.Installer
}

var _ op.Packages = Packages{}

func (p Packages) Install(ctx context.Context, path string, allowDowngrade bool) (op.Package, error) {
	return install(ctx, p.Installer, path, allowDowngrade)
}

func (p Packages) InstallSelf(ctx context.Context, path string) (op.Package, error) {
	return install(ctx, p.Self, path, false)
}

func (p Packages) Installed(ctx context.Context, name string) (model.Version, bool, error) {
	return p.Installer.Installed(ctx, name)
}

// permanentDebErrors are the install failures another dpkg -i of the same
// package cannot fix: the worker aborts on them at once (docs/worker.md).
var permanentDebErrors = []error{deb.ErrDowngrade, deb.ErrBadPackage, deb.ErrScriptFailed, deb.ErrDependency, deb.ErrFileConflict, deb.ErrPolicyConflict}

// install installs with i. What the install repaired or denied is in the
// package's Notes also when it failed: a repair that ran, a restart that
// was denied, are facts either way.
func install(ctx context.Context, i *deb.Installer, path string, allowDowngrade bool) (op.Package, error) {
	res, err := i.Install(ctx, path, deb.InstallOptions{AllowDowngrade: allowDowngrade})
	pkg := op.Package{Name: res.Package.Name, Version: res.Package.Version, Notes: res.Notes()}
	for _, perm := range permanentDebErrors {
		if errors.Is(err, perm) {
			return pkg, op.Permanent(err)
		}
	}
	return pkg, err
}

// Images pulls with pkg/images.
type Images struct {
	Puller *images.Puller
	// Access is the round's registry credentials and proxy (see
	// registryAccess); each Pull applies it first, so that a change
	// reaches the next pull without a new containerd connection.
	Access images.Access
}

var _ op.Images = Images{}

// permanentImageErrors are the pull failures a retry cannot fix: bad
// refs, lying registries, refused or withheld credentials. The worker
// aborts on them at once instead of asking the registry again.
var permanentImageErrors = []error{images.ErrDigestMismatch, images.ErrInvalidRef, images.ErrNotPinned,
	images.ErrUnauthorized, images.ErrCredentialsWithheld}

func (im Images) Pull(ctx context.Context, imgs []plan.Image) ([]op.Image, error) {
	if err := im.Puller.SetAccess(im.Access); err != nil {
		return nil, op.Permanent(fmt.Errorf("registry-credentials, proxy, no-proxy: %w", err))
	}
	reqs := make([]images.Request, len(imgs))
	for i, img := range imgs {
		reqs[i] = images.Request{Name: img.Name, Ref: img.Ref}
	}
	res, err := im.Puller.Pull(ctx, reqs)
	out := make([]op.Image, len(res))
	for i, r := range res {
		out[i] = op.Image{Name: r.Name, Digest: r.Digest, Pulled: r.Pulled}
	}
	for _, perm := range permanentImageErrors {
		if errors.Is(err, perm) {
			return out, op.Permanent(err)
		}
	}
	return out, err
}

// Units drives systemd through pkg/units and runs the plan's health
// checks.
type Units struct{ Manager *units.Manager }

var _ op.Units = Units{}

func (u Units) Reload(ctx context.Context) error               { return u.Manager.Reload(ctx) }
func (u Units) Start(ctx context.Context, unit string) error   { return u.Manager.Start(ctx, unit) }
func (u Units) Stop(ctx context.Context, unit string) error    { return u.Manager.Stop(ctx, unit) }
func (u Units) Restart(ctx context.Context, unit string) error { return u.Manager.Restart(ctx, unit) }

func (u Units) Check(ctx context.Context, h plan.Health) error {
	if h.HTTP != "" {
		return units.CheckHTTP(ctx, h.HTTP, h.Timeout.Duration)
	}
	return units.CheckExec(ctx, h.Exec, h.Timeout.Duration)
}

// Commands runs once-steps as child processes of the worker, with the
// same exit-status and output handling as exec health checks.
type Commands struct{}

var _ op.Commands = Commands{}

// Run runs argv once; the op's context bounds it.
func (Commands) Run(ctx context.Context, argv []string) error {
	return units.RunCommand(ctx, argv)
}

// Plans reads the installed plan, under Root when it is set (tests). The
// loop reads it on every round, that is on every etcd change, so a parsed
// plan is kept until the file changes: dpkg replaces a file by renaming a
// new one over it, which changes what os.SameFile compares.
type Plans struct {
	Root string

	mu     sync.Mutex
	info   os.FileInfo
	parsed plan.Plan
}

var _ op.Plans = (*Plans)(nil)

func (p *Plans) Load(context.Context) (plan.Plan, error) {
	path := filepath.Join("/", p.Root, plan.DefaultPath)
	info, err := os.Stat(path)
	if err != nil {
		return plan.Plan{}, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.info != nil && os.SameFile(p.info, info) && p.info.ModTime().Equal(info.ModTime()) && p.info.Size() == info.Size() {
		return p.parsed, nil
	}
	parsed, err := plan.Load(path)
	if err != nil {
		return plan.Plan{}, err
	}
	p.info, p.parsed = info, parsed
	return parsed, nil
}
