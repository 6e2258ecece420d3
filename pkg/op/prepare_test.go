package op

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/plan"
)

var (
	v1   = model.MustParseVersion("2026.11.23-1")
	v2   = model.MustParseVersion("2026.11.23-2")
	neco = model.MustParseVersion("1.2.0")
)

func target(reason model.Reason) Target {
	return Target{LRN: 3, Update: model.Update{ID: 7, Version: v2, Tag: "release-" + v2.String(), Reason: reason}}
}

// fixturePlan is a plan of v2 with one extra deb, the neco deb and two
// images; opts change it.
func fixturePlan(opts ...func(*plan.Plan)) plan.Plan {
	p := plan.Plan{
		Version: v2,
		Debs: []plan.Deb{
			{Name: "tool", Repo: "o/tool", Tag: "v1.0", Asset: "tool.deb"},
			{Name: plan.NecoDeb, Repo: "o/neco", Tag: "v1.2.0", Asset: "neco.deb"},
		},
		Images: []plan.Image{{Name: "a", Ref: "r/a@sha256:aa"}, {Name: "b", Ref: "r/b@sha256:bb"}},
	}
	for _, o := range opts {
		o(&p)
	}
	return p
}

func needsNeco(op string, v string) func(*plan.Plan) {
	return func(p *plan.Plan) { p.Neco = &plan.Requirement{Op: op, Version: model.MustParseVersion(v)} }
}

// newInfra returns fakes that succeed: Install reports the package named
// by the file (site.deb -> site at the target version).
func newInfra(t *testing.T, c *calls, p plan.Plan) Infra {
	pkgs := &fakePackages{c: c,
		install: func(path string, _ bool) (Package, error) {
			switch base(path) {
			case "site.deb":
				return Package{Name: "site", Version: v2}, nil
			case "tool.deb":
				return Package{Name: "tool", Version: model.MustParseVersion("1.0")}, nil
			}
			return Package{}, errors.New("unexpected package " + path)
		},
		installSelf: func(string) (Package, error) { return Package{Name: plan.NecoDeb, Version: neco}, nil },
	}
	return Infra{
		Releases: &fakeReleases{c: c}, Packages: pkgs, Units: &fakeUnits{c: c},
		Images: &fakeImages{c: c, pull: func(imgs []plan.Image) ([]Image, error) {
			var out []Image
			for _, i := range imgs {
				out = append(out, Image{Name: i.Name, Digest: "sha256:" + i.Name + i.Name, Pulled: true})
			}
			return out, nil
		}},
		Commands: &fakeCommands{c: c}, Records: &fakeRecords{c: c},
		Plans:       &fakePlans{c: c, load: func() (plan.Plan, error) { return p, nil }},
		NecoVersion: model.MustParseVersion("1.1.0"), CacheDir: t.TempDir(),
	}
}

var prepareHead = []string{
	"fetch site release-2026.11.23-2",
	"install site.deb downgrade=false",
	"record 3 deb site=2026.11.23-2",
	"load plan",
}

func TestPrepare(t *testing.T) {
	errPull := errors.New("registry down")
	tests := []struct {
		name   string
		reason model.Reason
		plan   plan.Plan
		infra  func(*Infra)
		want   []string // calls after prepareHead (or all, when headless)
		head   []string // nil: prepareHead
		err    error
		perm   bool // the error must be Permanent
	}{
		{name: "fresh install: extra deb, no neco deb (satisfied), images", plan: fixturePlan(needsNeco(">=", "1.0")),
			want: []string{"fetch deb tool", "install tool.deb downgrade=false", "record 3 deb tool=1.0", "installed? neco",
				"pull a,b", "record 3 image a=sha256:aa", "record 3 image b=sha256:bb"}},
		{name: "after a self-update: the installed neco is recorded", plan: fixturePlan(needsNeco(">=", "1.0"), func(p *plan.Plan) { p.Images = nil }),
			infra: func(inf *Infra) {
				inf.Packages.(*fakePackages).installed = func(string) (model.Version, bool, error) { return neco, true, nil }
			},
			want: []string{"fetch deb tool", "install tool.deb downgrade=false", "record 3 deb tool=1.0", "installed? neco", "record 3 deb neco=1.2.0"}},
		{name: "services: systemd reloads after the packages", plan: fixturePlan(func(p *plan.Plan) {
			p.Debs, p.Images = nil, nil
			p.Services = []plan.Service{{Unit: "a.service", Strategy: plan.StrategyAnytime}}
		}), want: []string{"daemon-reload"}},
		{name: "no requirement: the neco deb is not installed", plan: fixturePlan(),
			want: []string{"fetch deb tool", "install tool.deb downgrade=false", "record 3 deb tool=1.0", "installed? neco",
				"pull a,b", "record 3 image a=sha256:aa", "record 3 image b=sha256:bb"}},
		{name: "rollback allows downgrades", reason: model.ReasonRollback, plan: fixturePlan(func(p *plan.Plan) { p.Images = nil }),
			head: []string{"fetch site release-2026.11.23-2", "install site.deb downgrade=true", "record 3 deb site=2026.11.23-2", "load plan"},
			want: []string{"fetch deb tool", "install tool.deb downgrade=true", "record 3 deb tool=1.0", "installed? neco"}},
		{name: "self-update first, then restart", plan: fixturePlan(needsNeco(">=", "1.2.0")),
			want: []string{"installed? neco", "fetch deb neco", "install self neco.deb", "record 3 deb neco=1.2.0"}, err: ErrRestart},
		{name: "self-update installs a package still too old", plan: fixturePlan(needsNeco(">", "1.2.0")),
			want: []string{"installed? neco", "fetch deb neco", "install self neco.deb"}, perm: true},
		{name: "new neco installed but this process is old", plan: fixturePlan(needsNeco(">=", "1.2.0")),
			infra: func(inf *Infra) {
				inf.Packages.(*fakePackages).installed = func(string) (model.Version, bool, error) { return neco, true, nil }
			},
			want: []string{"installed? neco"}, perm: true},
		{name: "plan of another version", plan: fixturePlan(func(p *plan.Plan) { p.Version = v1 }), perm: true},
		{name: "plan unreadable", infra: func(inf *Infra) {
			inf.Plans.(*fakePlans).load = func() (plan.Plan, error) { return plan.Plan{}, errors.New("no such file") }
		}, perm: true},
		{name: "site package of another version", infra: func(inf *Infra) {
			inf.Packages.(*fakePackages).install = func(string, bool) (Package, error) { return Package{Name: "site", Version: v1}, nil }
		}, head: []string{"fetch site release-2026.11.23-2", "install site.deb downgrade=false"}, perm: true},
		{name: "download refused: nothing installed", infra: func(inf *Infra) {
			inf.Releases.(*fakeReleases).fetchSite = func(string) (string, error) { return "", Permanent(errors.New("sha256 mismatch")) }
		}, head: []string{"fetch site release-2026.11.23-2"}, perm: true},
		{name: "one image fails: the other is recorded, the error is retryable", plan: fixturePlan(func(p *plan.Plan) { p.Debs = nil }),
			infra: func(inf *Infra) {
				inf.Images.(*fakeImages).pull = func([]plan.Image) ([]Image, error) {
					return []Image{{Name: "a", Digest: "sha256:aa", Pulled: true}, {Name: "b"}}, errPull
				}
			},
			want: []string{"pull a,b", "record 3 image a=sha256:aa"}, err: errPull},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &calls{}
			inf := newInfra(t, c, tt.plan)
			if tt.infra != nil {
				tt.infra(&inf)
			}
			old := filepath.Join(inf.CacheDir, v1.String())
			if err := os.MkdirAll(old, 0o755); err != nil {
				t.Fatal(err)
			}
			reason := tt.reason
			if reason == "" {
				reason = model.ReasonUpdate
			}
			err := Run(context.Background(), Prepare(target(reason), inf), nil)
			switch {
			case tt.err != nil && !errors.Is(err, tt.err):
				t.Errorf("err = %v, want %v", err, tt.err)
			case tt.perm && !IsPermanent(err):
				t.Errorf("err = %v, want a permanent error", err)
			case tt.err == nil && !tt.perm && err != nil:
				t.Errorf("err = %v", err)
			case tt.err != nil && IsPermanent(err):
				t.Errorf("err = %v is permanent; want it retried", err)
			}
			_, statErr := os.Stat(old)
			if kept, failed := statErr == nil, tt.perm || tt.err != nil; kept != failed {
				t.Errorf("downloads of %s kept: %t; want them removed exactly when prepare succeeds", v1, kept)
			}
			head := tt.head
			if head == nil {
				head = prepareHead
			}
			if diff := cmp.Diff(append(append([]string{}, head...), tt.want...), c.log); diff != "" {
				t.Errorf("calls (-want +got)\n%s", diff)
			}
		})
	}
}
