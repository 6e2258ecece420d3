package bench

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/op"
	"github.com/necoship/neco/pkg/plan"
)

// timings add up how long the worker's executors ran in one update: the
// part of the update that is the work itself, the rest being neco's
// coordination (etcd reads and reports, decisions, the updater's rounds).
type timings struct {
	fetch, install, pull atomic.Int64 // ns
}

func (t *timings) add(d *atomic.Int64, start time.Time) { d.Add(int64(time.Since(start))) }

// timedReleases times the download of the site package: the release
// lookup in the mirror, the package and SHA256SUMS, the check.
type timedReleases struct {
	op.Releases
	t *timings
}

func (r timedReleases) FetchSite(ctx context.Context, tag string, v model.Version, dir string) (string, error) {
	defer r.t.add(&r.t.fetch, time.Now())
	return r.Releases.FetchSite(ctx, tag, v, dir)
}

// timedPackages times installs: dpkg-deb and dpkg-query around dpkg -i.
type timedPackages struct {
	op.Packages
	t *timings
}

func (p timedPackages) Install(ctx context.Context, path string, allowDowngrade bool) (op.Package, error) {
	defer p.t.add(&p.t.install, time.Now())
	return p.Packages.Install(ctx, path, allowDowngrade)
}

// timedImages times the pull of the plan's images through containerd.
type timedImages struct {
	op.Images
	t *timings
}

func (im timedImages) Pull(ctx context.Context, imgs []plan.Image) ([]op.Image, error) {
	defer im.t.add(&im.t.pull, time.Now())
	return im.Images.Pull(ctx, imgs)
}
