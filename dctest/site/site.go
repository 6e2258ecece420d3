//go:build dctest

package site

import (
	"context"
	"errors"
	"fmt"
	"io"
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
	// TrustCA is the PEM of a CA every server trusts besides Debian's
	// (a Receiver's), installed before the daemons start.
	TrustCA []byte
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
		g.Go(func() error {
			if err := trustCA(gctx, srv, o.TrustCA); err != nil {
				return err
			}
			return s.installNeco(gctx, srv, o.NecoDeb)
		})
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
	// Users and roles from the servers just joined, then authentication
	// on: from here each certificate has only its role's rights, before
	// any daemon dials etcd.
	if err := s.enableAuth(ctx, c.Servers[0]); err != nil {
		return nil, err
	}
	for _, srv := range c.Servers {
		if _, err := srv.Exec(ctx, "systemctl", "enable", "--now", UpdaterUnit, WorkerUnit); err != nil {
			return nil, err
		}
	}
	s.logf("site: neco installed and started on %d servers, env %s", len(c.Servers), o.Env)
	return s, nil
}

// enableAuth runs `neco auth setup --operator Operator --enable` as root
// in srv (against etcd 3.4, which has no AuthStatus, neco enables auth
// without asking first).
func (s *Site) enableAuth(ctx context.Context, srv *harness.Server) error {
	res, err := s.AuthSetup(ctx, srv, "--enable")
	s.logf("site: neco auth setup --operator %s --enable on %s:\n%s", Operator, srv.Name, strings.TrimRight(res.Stdout, "\n"))
	if err != nil {
		return fmt.Errorf("site: %w: %s", err, res.Stderr)
	}
	return nil
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

// The local config files written into every server: config.yml is the
// daemons' (and the CLI's default), the others name the same etcd with
// another principal's certificate, for `neco --config FILE`.
const (
	// LocalConfig: neco-worker's certificate (WorkerUser(LRN)) and
	// neco-updater's (UpdaterUser(LRN)).
	LocalConfig = "/etc/neco/config.yml"
	// OperatorConfig: the operator's (Operator), what Neco uses.
	OperatorConfig = "/etc/neco/operator.yml"
	// RootConfig: etcd's root, for `neco auth setup`.
	RootConfig = "/etc/neco/root.yml"
)

// Operator is the etcd user of the site's operator, named to `neco auth
// setup --operator`.
const Operator = harness.OperatorUser

// installNeco installs the package into srv and writes its local config
// files.
func (s *Site) installNeco(ctx context.Context, srv *harness.Server, necoDeb string) error {
	const staged = "/var/tmp/neco.deb"
	if err := srv.CopyIn(ctx, necoDeb, staged); err != nil {
		return err
	}
	if _, err := srv.Exec(ctx, "dpkg", "-i", staged); err != nil {
		return fmt.Errorf("site: install neco: %w", err)
	}
	etcd := s.Cluster.Etcd
	updater := etcd.UserTLS(harness.UpdaterUser(srv.LRN))
	files := []struct {
		path, data string
	}{
		{LocalConfig, s.localConfig(srv.LRN, etcd.UserTLS(harness.WorkerUser(srv.LRN)), &updater)},
		{OperatorConfig, s.localConfig(srv.LRN, etcd.UserTLS(Operator), nil)},
		{RootConfig, s.localConfig(srv.LRN, etcd.UserTLS(harness.RootUser), nil)},
		// A login shell in the server (shell-boot-N, the demo) is the
		// operator's, as the scenarios are.
		{"/etc/profile.d/dct-neco-operator.sh", "export NECO_CONFIG=" + OperatorConfig + "\n"},
	}
	for _, f := range files {
		if err := srv.WriteFile(ctx, f.path, []byte(f.data), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// localConfig is a local config file of the server of LRN lrn, with the
// certificate tls, and updater for neco-updater if not nil.
func (s *Site) localConfig(lrn int, tls harness.TLSFiles, updater *harness.TLSFiles) string {
	var b strings.Builder
	fmt.Fprintf(&b, `# written by the data-center test (dctest/site)
lrn: %d
etcd:
  endpoints: [%s]
  tls-ca-file: %s
  tls-cert-file: %s
  tls-key-file: %s
`, lrn, strings.Join(s.Cluster.Etcd.Endpoints(), ", "), tls.CA, tls.Cert, tls.Key)
	if updater != nil {
		fmt.Fprintf(&b, "  updater-tls-cert-file: %s\n  updater-tls-key-file: %s\n", updater.Cert, updater.Key)
	}
	fmt.Fprintf(&b, `log-level: debug
worker:
  plain-http-registries: [%q, %q]
`, s.RegistryAddr, hostAddr(SlowRegistryPort))
	return b.String()
}

// Neco runs the neco CLI in srv as the operator (OperatorConfig): the
// scenarios act as an SRE would.
func (s *Site) Neco(ctx context.Context, srv *harness.Server, args ...string) (harness.Result, error) {
	return s.NecoAs(ctx, srv, OperatorConfig, args...)
}

// NecoAs runs the neco CLI in srv with the local config file config
// (LocalConfig, OperatorConfig, RootConfig): as that file's principal.
func (s *Site) NecoAs(ctx context.Context, srv *harness.Server, config string, args ...string) (harness.Result, error) {
	return s.NecoInput(ctx, srv, config, nil, args...)
}

// NecoInput is NecoAs with stdin read from in (a secret for `neco config
// set`).
func (s *Site) NecoInput(ctx context.Context, srv *harness.Server, config string, in io.Reader, args ...string) (harness.Result, error) {
	return srv.ExecInput(ctx, in, append([]string{"neco", "--config", config}, args...)...)
}

// AuthSetup runs `neco auth setup --operator Operator ARGS...` in srv as
// etcd's root (RootConfig): after every join and leave, as docs/etcd.md
// asks.
func (s *Site) AuthSetup(ctx context.Context, srv *harness.Server, args ...string) (harness.Result, error) {
	return s.NecoAs(ctx, srv, RootConfig, append([]string{"auth", "setup", "--operator", Operator}, args...)...)
}
