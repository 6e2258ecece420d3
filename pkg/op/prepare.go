package op

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/plan"
)

// prepare installs a release on this server (step 0): the site package,
// neco itself when the plan needs a newer one, the plan's extra packages,
// then its images. Until the site package is installed there is no plan,
// so the commands after "read plan" are queued by it.
type prepare struct {
	queue
	inf  Infra
	t    Target
	dir  string // downloads of this version
	site string // the downloaded site package
	plan plan.Plan
}

// Prepare returns the op of step 0 of update t.
func Prepare(t Target, inf Infra) Op {
	v := t.Update.Version
	p := &prepare{queue: queue{name: "prepare " + v.String()}, inf: inf, t: t,
		dir: filepath.Join(inf.CacheDir, v.String())}
	p.then(
		Command{Name: "download the site package of " + t.Update.Tag, Run: p.fetchSite},
		Command{Name: "install the site package " + v.String(), Run: p.installSite},
		Command{Name: "read the plan of " + v.String(), Run: p.readPlan},
	)
	return p
}

func (p *prepare) fetchSite(ctx context.Context) error {
	if err := os.MkdirAll(p.dir, 0o755); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	path, err := p.inf.Releases.FetchSite(ctx, p.t.Update.Tag, p.t.Update.Version, p.dir)
	p.site = path
	return err
}

func (p *prepare) installSite(ctx context.Context) error {
	rollback := p.t.Update.Reason == model.ReasonRollback
	pkg, err := p.inf.Packages.Install(ctx, p.site, rollback)
	p.inf.note(pkg.Notes)
	if err != nil {
		return err
	}
	if !pkg.Version.Equal(p.t.Update.Version) {
		return Permanent(fmt.Errorf("the site package is %s %s, the release is %s", pkg.Name, pkg.Version, p.t.Update.Version))
	}
	return p.inf.Records.PutInstalledDeb(ctx, p.t.LRN, pkg.Name, pkg.Version)
}

// readPlan reads the plan the site package installed and queues what it
// asks for: a self-update first (the new neco may understand the plan
// better), then the extra packages, then the images, then a daemon-reload
// when the plan restarts units (the packages may have changed their unit
// files; a plan without services needs no systemd at all).
func (p *prepare) readPlan(ctx context.Context) error {
	pl, err := p.inf.Plans.Load(ctx)
	if err != nil {
		return Permanent(fmt.Errorf("plan: %w", err))
	}
	if err := pl.CheckVersion(p.t.Update.Version); err != nil {
		return Permanent(fmt.Errorf("plan: %w", err))
	}
	p.plan = pl
	if pl.Neco != nil && !pl.Neco.Satisfied(p.inf.NecoVersion) {
		p.then(p.selfUpdate(*pl.Neco)...)
		return nil
	}
	for _, d := range pl.Debs {
		if d.Name == plan.NecoDeb {
			// This worker already satisfies the plan. After a
			// self-update the package's postinst restarted the old
			// worker before it could record the install: record it.
			p.then(Command{Name: "record the installed neco", Run: p.recordNeco})
			continue
		}
		p.then(p.extraDeb(d)...)
	}
	if len(pl.Images) > 0 {
		p.then(Command{Name: fmt.Sprintf("pull %d images", len(pl.Images)), Run: p.pullImages})
	}
	if len(pl.Services) > 0 {
		p.then(Command{Name: "reload systemd units", Run: p.inf.Units.Reload})
	}
	p.then(Command{Name: "remove the downloads of other versions", Run: p.pruneCache})
	return nil
}

// recordNeco records the neco package dpkg has installed, as the install
// records of the plan's other packages are; nothing when neco was not
// installed from a package (a build run by hand).
func (p *prepare) recordNeco(ctx context.Context) error {
	v, ok, err := p.inf.Packages.Installed(ctx, plan.NecoDeb)
	if err != nil || !ok {
		return err
	}
	return p.inf.Records.PutInstalledDeb(ctx, p.t.LRN, plan.NecoDeb, v)
}

// pruneCache removes what earlier updates downloaded: packages are
// verified again on every download, so an old copy is never reused, and
// kept it would only fill the disk release after release.
func (p *prepare) pruneCache(context.Context) error {
	entries, err := os.ReadDir(p.inf.CacheDir)
	if err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	for _, e := range entries {
		if path := filepath.Join(p.inf.CacheDir, e.Name()); path != p.dir {
			if err := os.RemoveAll(path); err != nil {
				return fmt.Errorf("cache: %w", err)
			}
		}
	}
	return nil
}

// extraDeb downloads and installs a plan's extra package.
func (p *prepare) extraDeb(d plan.Deb) []Command {
	var path string
	return []Command{
		{Name: fmt.Sprintf("download %s from %s %s", d.Asset, d.Repo, d.Tag), Run: func(ctx context.Context) error {
			var err error
			path, err = p.inf.Releases.FetchDeb(ctx, d, p.dir)
			return err
		}},
		{Name: "install " + d.Name, Run: func(ctx context.Context) error {
			pkg, err := p.inf.Packages.Install(ctx, path, p.t.Update.Reason == model.ReasonRollback)
			p.inf.note(pkg.Notes)
			if err != nil {
				return err
			}
			if pkg.Name != d.Name {
				return Permanent(fmt.Errorf("%s contains package %s, the plan says %s", d.Asset, pkg.Name, d.Name))
			}
			return p.inf.Records.PutInstalledDeb(ctx, p.t.LRN, pkg.Name, pkg.Version)
		}},
	}
}

func (p *prepare) pullImages(ctx context.Context) error {
	got, err := p.inf.Images.Pull(ctx, p.plan.Images)
	// Record what was pulled even when another image failed: status
	// shows the progress, and the retry pulls only the rest.
	for _, img := range got {
		if img.Digest == "" {
			continue
		}
		if rerr := p.inf.Records.PutInstalledImage(ctx, p.t.LRN, img.Name, img.Digest); rerr != nil && err == nil {
			err = rerr
		}
	}
	return err
}
