package op

import (
	"context"
	"fmt"

	"github.com/necoship/neco/pkg/plan"
)

// selfUpdate installs the plan's neco package and ends the op with
// ErrRestart: the running worker is the old version. The new one redoes
// prepare, finds the site package installed and itself new enough, and
// goes on with the extra packages and images.
//
// A package that does not satisfy the requirement either is an error
// rather than a restart, or the worker would restart forever.
func (p *prepare) selfUpdate(req plan.Requirement) []Command {
	d, ok := p.plan.Deb(plan.NecoDeb)
	if !ok {
		// plan.Validate requires the entry; this guards a plan built by hand.
		return []Command{{Name: "self-update", Run: func(context.Context) error {
			return Permanent(fmt.Errorf("plan needs neco %s, this worker is %s, and it has no %q deb", req, p.inf.NecoVersion, plan.NecoDeb))
		}}}
	}
	var path string
	return []Command{
		{Name: fmt.Sprintf("download neco from %s %s (plan needs neco %s, this is %s)", d.Repo, d.Tag, req, p.inf.NecoVersion),
			Run: func(ctx context.Context) error {
				if v, ok, err := p.inf.Packages.Installed(ctx, plan.NecoDeb); err == nil && ok && req.Satisfied(v) {
					// Installed, but this process is the old binary:
					// systemd did not restart us (or we were started by
					// hand). Restarting once more would loop.
					return Permanent(fmt.Errorf("neco %s is installed but this worker runs %s: restart neco-worker", v, p.inf.NecoVersion))
				}
				var err error
				path, err = p.inf.Releases.FetchDeb(ctx, d, p.dir)
				return err
			}},
		{Name: "update neco (self-update)", Run: func(ctx context.Context) error {
			pkg, err := p.inf.Packages.InstallSelf(ctx, path)
			if err != nil {
				return err
			}
			if pkg.Name != plan.NecoDeb || !req.Satisfied(pkg.Version) {
				return Permanent(fmt.Errorf("%s is %s %s, which does not satisfy neco %s", d.Asset, pkg.Name, pkg.Version, req))
			}
			if err := p.inf.Records.PutInstalledDeb(ctx, p.t.LRN, pkg.Name, pkg.Version); err != nil {
				return err
			}
			return ErrRestart
		}},
	}
}
