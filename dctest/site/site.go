//go:build dctest

package site

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/necoship/neco/dctest/harness"
	"github.com/necoship/neco/pkg/images/imagestest"
)

// Ports of the host services on harness.HostIP.
const (
	MirrorPort   = 8080
	RegistryPort = 5000
)

// Repo is the site's repository in the mirror.
const Repo = "example/site"

// Options shape Install.
type Options struct {
	// NecoDeb is the package from `make deb`.
	NecoDeb string
	// Dir holds the host side: the mirror, the registry's storage, the
	// packages built. It must exist.
	Dir string
	// Env is the cluster's env: staging (the default) or production.
	Env string
	// WorkerTimeout is the cluster's worker-timeout; default 1m, the least
	// neco accepts.
	WorkerTimeout time.Duration
	// Logf reports progress.
	Logf harness.Logf
}

// CheckInterval is the cluster's check-update-interval: the least neco
// accepts, so that a release is seen within seconds.
const CheckInterval = 10 * time.Second

// Site is neco installed on a cluster.
type Site struct {
	// Cluster is nil for a Site from Open.
	Cluster *harness.Cluster
	// MirrorDir is what the mirror serves; Publish adds releases to it.
	MirrorDir string
	// MirrorAddr and RegistryAddr are the host services, as the servers
	// reach them.
	MirrorAddr, RegistryAddr string
	// NecoBin is the neco binary of the package, unpacked on the host
	// (for `neco mirror serve`).
	NecoBin string

	dir     string
	network *harness.Network
	logf    harness.Logf
}

// Open is the Site that Install made in dir on the run whose network is
// nw, for publishing releases from another process (the demo's publish).
func Open(dir string, nw *harness.Network, logf harness.Logf) *Site {
	return &Site{MirrorDir: filepath.Join(dir, "mirror"), MirrorAddr: hostAddr(MirrorPort), RegistryAddr: hostAddr(RegistryPort),
		dir: dir, network: nw, logf: logf}
}

func hostAddr(port int) string { return fmt.Sprintf("%s:%d", harness.HostIP, port) }

// Install installs and starts neco on every server of c (see the package
// doc). The servers and etcd must be up.
func Install(ctx context.Context, c *harness.Cluster, o Options) (*Site, error) {
	if o.Env == "" {
		o.Env = "staging"
	}
	if o.WorkerTimeout == 0 {
		o.WorkerTimeout = time.Minute
	}
	if c.Etcd == nil {
		return nil, errors.New("site: the cluster has no etcd")
	}
	s := Open(o.Dir, c.Network, o.Logf)
	s.Cluster = c
	if err := s.startHostServices(ctx, o.NecoDeb); err != nil {
		return nil, err
	}
	g, gctx := errgroup.WithContext(ctx)
	for _, srv := range c.Servers {
		g.Go(func() error { return s.installNeco(gctx, srv, o.NecoDeb) })
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	cfg := map[string]string{
		"env": o.Env, "github-repo": Repo,
		"github-api-url":        "http://" + s.MirrorAddr + "/",
		"check-update-interval": CheckInterval.String(),
		"worker-timeout":        o.WorkerTimeout.String(),
	}
	for _, k := range []string{"env", "github-repo", "github-api-url", "check-update-interval", "worker-timeout"} {
		if _, err := s.Neco(ctx, c.Servers[0], "config", "set", k, cfg[k]); err != nil {
			return nil, err
		}
	}
	for _, srv := range c.Servers {
		if _, err := s.Neco(ctx, srv, "join", strconv.Itoa(srv.LRN)); err != nil {
			return nil, err
		}
	}
	for _, srv := range c.Servers {
		if _, err := srv.Exec(ctx, "systemctl", "enable", "--now", UpdaterUnit, WorkerUnit); err != nil {
			return nil, err
		}
	}
	s.logf("site: neco installed and started on %d servers, env %s", len(c.Servers), o.Env)
	return s, nil
}

// The units of the neco package.
const (
	UpdaterUnit = "neco-updater.service"
	WorkerUnit  = "neco-worker.service"
)

// startHostServices starts the mirror (with the neco binary of the
// package) and the registry on the run's bridge.
func (s *Site) startHostServices(ctx context.Context, necoDeb string) error {
	unpacked := filepath.Join(s.dir, "neco-deb")
	if out, err := exec.CommandContext(ctx, "dpkg-deb", "-x", necoDeb, unpacked).CombinedOutput(); err != nil {
		return fmt.Errorf("site: unpack %s: %w: %s", necoDeb, err, out)
	}
	// The repository exists before its first release, as on GitHub: an
	// empty list, not a 404 the updaters would report as failing checks.
	if err := os.MkdirAll(filepath.Join(s.MirrorDir, Repo), 0o755); err != nil {
		return err
	}
	neco := filepath.Join(unpacked, "usr/bin/neco")
	if _, err := s.Cluster.StartService(ctx, "mirror", MirrorPort, neco, "mirror", "serve", "--dir", s.MirrorDir, "--listen", s.MirrorAddr); err != nil {
		return err
	}
	_, err := startRegistry(ctx, s.Cluster, "registry", RegistryPort, filepath.Join(s.dir, "registry"))
	return err
}

// startRegistry runs docker-registry on HostIP:port with its storage in dir.
func startRegistry(ctx context.Context, c *harness.Cluster, name string, port int, dir string) (*harness.HostService, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	cfg := imagestest.RegistryConfig(filepath.Join(dir, "data"), hostAddr(port))
	path := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		return nil, err
	}
	return c.StartService(ctx, name, port, "docker-registry", "serve", path)
}

// installNeco installs the package into srv and writes its config.yml.
func (s *Site) installNeco(ctx context.Context, srv *harness.Server, necoDeb string) error {
	const staged = "/var/tmp/neco.deb"
	if err := srv.CopyIn(ctx, necoDeb, staged); err != nil {
		return err
	}
	if _, err := srv.Exec(ctx, "dpkg", "-i", staged); err != nil {
		return fmt.Errorf("site: install neco: %w", err)
	}
	return srv.WriteFile(ctx, "/etc/neco/config.yml", []byte(s.localConfig(srv.LRN)), 0o644)
}

// localConfig is /etc/neco/config.yml of the server of LRN lrn.
func (s *Site) localConfig(lrn int) string {
	tls := s.Cluster.Etcd.ClientTLS()
	return fmt.Sprintf(`# written by the data-center test (dctest/site)
lrn: %d
etcd:
  endpoints: [%s]
  tls-ca-file: %s
  tls-cert-file: %s
  tls-key-file: %s
log-level: debug
worker:
  plain-http-registries: [%q, %q]
`, lrn, strings.Join(s.Cluster.Etcd.Endpoints(), ", "), tls.CA, tls.Cert, tls.Key,
		s.RegistryAddr, hostAddr(SlowRegistryPort))
}

// Neco runs the neco CLI in srv.
func (s *Site) Neco(ctx context.Context, srv *harness.Server, args ...string) (harness.Result, error) {
	return srv.Exec(ctx, append([]string{"neco"}, args...)...)
}
