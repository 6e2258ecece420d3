package worker

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"sync"

	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/op"
	"github.com/necoship/neco/pkg/plan"
)

// noopServer is the executors of one simulated boot server: every command
// succeeds at once, so that only the coordination through etcd costs
// time. It remembers the version it "installed", whose plan it then
// serves, as dpkg and Plans do on a real server.
type noopServer struct {
	template plan.Plan // the plan of every release; Version is replaced

	mu        sync.Mutex
	fetched   model.Version
	installed model.Version
	has       bool
}

const benchSitePackage = "bench-site"

var errNoSuchCommand = errors.New("bench: the benchmark plan has no such command")

var (
	_ op.Releases = (*noopServer)(nil)
	_ op.Packages = (*noopServer)(nil)
	_ op.Images   = (*noopServer)(nil)
	_ op.Units    = (*noopServer)(nil)
	_ op.Commands = (*noopServer)(nil)
	_ op.Plans    = (*noopServer)(nil)
)

func (s *noopServer) FetchSite(_ context.Context, _ string, v model.Version, dir string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fetched = v
	return filepath.Join(dir, benchSitePackage+".deb"), nil
}

func (s *noopServer) FetchDeb(context.Context, plan.Deb, string) (string, error) {
	return "", errNoSuchCommand
}

func (s *noopServer) Install(context.Context, string, bool) (op.Package, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.installed, s.has = s.fetched, true
	return op.Package{Name: benchSitePackage, Version: s.installed}, nil
}

func (s *noopServer) InstallSelf(context.Context, string) (op.Package, error) {
	return op.Package{}, errNoSuchCommand
}

func (s *noopServer) Installed(context.Context, string) (model.Version, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.installed, s.has, nil
}

func (s *noopServer) Load(context.Context) (plan.Plan, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.has {
		return plan.Plan{}, fs.ErrNotExist
	}
	p := s.template
	p.Version = s.installed
	return p, nil
}

func (*noopServer) Pull(context.Context, []plan.Image) ([]op.Image, error) { return nil, nil }
func (*noopServer) Reload(context.Context) error                           { return nil }
func (*noopServer) Start(context.Context, string) error                    { return nil }
func (*noopServer) Stop(context.Context, string) error                     { return nil }
func (*noopServer) Restart(context.Context, string) error                  { return nil }
func (*noopServer) Check(context.Context, plan.Health) error               { return nil }
func (*noopServer) Run(context.Context, []string) error                    { return nil }
