package op

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/plan"
)

// calls records what the fakes were asked, in order, as short strings.
type calls struct {
	mu  sync.Mutex
	log []string
}

func (c *calls) add(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.log = append(c.log, fmt.Sprintf(format, args...))
}

type fakeReleases struct {
	c         *calls
	fetchSite func(tag string) (string, error)
	fetchDeb  func(d plan.Deb) (string, error)
}

var _ Releases = (*fakeReleases)(nil)

func (f *fakeReleases) FetchSite(_ context.Context, tag string, _ model.Version, dir string) (string, error) {
	f.c.add("fetch site %s", tag)
	if f.fetchSite != nil {
		return f.fetchSite(tag)
	}
	return dir + "/site.deb", nil
}

func (f *fakeReleases) FetchDeb(_ context.Context, d plan.Deb, dir string) (string, error) {
	f.c.add("fetch deb %s", d.Name)
	if f.fetchDeb != nil {
		return f.fetchDeb(d)
	}
	return dir + "/" + d.Asset, nil
}

type fakePackages struct {
	c           *calls
	install     func(path string, downgrade bool) (Package, error)
	installSelf func(path string) (Package, error)
	installed   func(name string) (model.Version, bool, error)
}

var _ Packages = (*fakePackages)(nil)

func (f *fakePackages) Install(_ context.Context, path string, downgrade bool) (Package, error) {
	f.c.add("install %s downgrade=%t", base(path), downgrade)
	return f.install(path, downgrade)
}

func (f *fakePackages) InstallSelf(_ context.Context, path string) (Package, error) {
	f.c.add("install self %s", base(path))
	return f.installSelf(path)
}

func (f *fakePackages) Installed(_ context.Context, name string) (model.Version, bool, error) {
	f.c.add("installed? %s", name)
	if f.installed == nil {
		return model.Version{}, false, nil
	}
	return f.installed(name)
}

type fakeImages struct {
	c    *calls
	pull func(imgs []plan.Image) ([]Image, error)
}

var _ Images = (*fakeImages)(nil)

func (f *fakeImages) Pull(_ context.Context, imgs []plan.Image) ([]Image, error) {
	var names []string
	for _, i := range imgs {
		names = append(names, i.Name)
	}
	f.c.add("pull %s", strings.Join(names, ","))
	return f.pull(imgs)
}

type fakeUnits struct {
	c   *calls
	err map[string]error // by "verb unit"
}

var _ Units = (*fakeUnits)(nil)

func (f *fakeUnits) do(verb, unit string) error {
	f.c.add("%s %s", verb, unit)
	return f.err[verb+" "+unit]
}

func (f *fakeUnits) Reload(context.Context) error                 { f.c.add("daemon-reload"); return nil }
func (f *fakeUnits) Start(_ context.Context, u string) error      { return f.do("start", u) }
func (f *fakeUnits) Stop(_ context.Context, u string) error       { return f.do("stop", u) }
func (f *fakeUnits) Restart(_ context.Context, u string) error    { return f.do("restart", u) }
func (f *fakeUnits) Check(_ context.Context, h plan.Health) error { return f.do("check", h.HTTP) }

type fakeCommands struct {
	c   *calls
	run func(argv []string) error
}

var _ Commands = (*fakeCommands)(nil)

func (f *fakeCommands) Run(_ context.Context, argv []string) error {
	f.c.add("run %s", strings.Join(argv, " "))
	if f.run == nil {
		return nil
	}
	return f.run(argv)
}

type fakePlans struct {
	c    *calls
	load func() (plan.Plan, error)
}

var _ Plans = (*fakePlans)(nil)

func (f *fakePlans) Load(context.Context) (plan.Plan, error) {
	f.c.add("load plan")
	return f.load()
}

type fakeRecords struct {
	c      *calls
	start  func(leaderKey, name string) error
	finish func(leaderKey, name string) error
}

var _ Records = (*fakeRecords)(nil)

func (f *fakeRecords) PutInstalledDeb(_ context.Context, lrn int, name string, v model.Version) error {
	f.c.add("record %d deb %s=%s", lrn, name, v)
	return nil
}

func (f *fakeRecords) PutInstalledImage(_ context.Context, lrn int, name, digest string) error {
	f.c.add("record %d image %s=%s", lrn, name, digest)
	return nil
}

func (f *fakeRecords) StartContent(_ context.Context, key, name string, v model.Version, irreversible bool) error {
	if irreversible {
		f.c.add("start irreversible content %s %s as %s", name, v, key)
	} else {
		f.c.add("start content %s %s as %s", name, v, key)
	}
	if f.start == nil {
		return nil
	}
	return f.start(key, name)
}

func (f *fakeRecords) FinishContent(_ context.Context, key, name string, v model.Version) error {
	f.c.add("finish content %s %s as %s", name, v, key)
	if f.finish == nil {
		return nil
	}
	return f.finish(key, name)
}

func base(path string) string { return path[strings.LastIndex(path, "/")+1:] }
