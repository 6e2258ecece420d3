//go:build dctest

package harness

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"
)

// Options shape a Cluster.
type Options struct {
	// Servers is the number of boot servers; 0 means 3.
	Servers int
	// NoEtcd leaves etcd out (tests of the harness's own parts).
	NoEtcd bool
}

// Cluster is one run of the data center: its network, its boot servers
// and their etcd, and the host services started for it.
type Cluster struct {
	// ID names everything of the run (dct-ID-*).
	ID string
	// Dir is the run's directory: servers' disks, logs/, shell scripts.
	Dir     string
	Network *Network
	// Servers[i] is the boot server of LRN i.
	Servers []*Server
	// Etcd is nil with Options.NoEtcd.
	Etcd *Etcd

	run  *run
	logf Logf

	mu       sync.Mutex
	services []*HostService
	closed   bool
}

// New boots a cluster for t: the rootfs (built on first use), the network,
// the servers in parallel, then etcd. t.Cleanup tears everything down even
// when the test fails or panics; with NECO_DCTEST_KEEP=1 a failed test's
// cluster is left running for a look inside (docs/dctest.md).
func New(t testing.TB, opts Options) *Cluster {
	t.Helper()
	start := time.Now()
	c, err := Start(t.Context(), opts, t.Logf)
	if c != nil {
		t.Cleanup(func() { c.cleanup(t) })
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("run %s: %d servers up in %v; a shell in boot-0: %s", c.ID, len(c.Servers),
		time.Since(start).Round(100*time.Millisecond), c.Servers[0].Shell())
	return c
}

// Start boots a cluster outside a test (the demo). The caller owns it:
// Close it, or Detach it to leave it running after the process exits. On
// an error after the run began, the returned cluster is not nil and must
// be closed too.
func Start(ctx context.Context, opts Options, logf Logf) (*Cluster, error) {
	if os.Geteuid() != 0 {
		return nil, errors.New("harness: the data-center test runs as root (systemd-nspawn, mounts, namespaces)")
	}
	if opts.Servers == 0 {
		opts.Servers = 3
	}
	rootfs, err := Rootfs(ctx, logf)
	if err != nil {
		return nil, err
	}
	r, err := newRun()
	if err != nil {
		return nil, err
	}
	c := &Cluster{ID: r.id, Dir: r.dir, run: r, logf: logf}
	if err := c.start(ctx, rootfs, opts); err != nil {
		return c, fmt.Errorf("run %s: %w", c.ID, err)
	}
	return c, nil
}

func (c *Cluster) start(ctx context.Context, rootfs string, opts Options) error {
	if err := cgroup(namePrefix + c.ID).create(); err != nil {
		return err
	}
	nw, err := newNetwork(ctx, c.ID, opts.Servers)
	if err != nil {
		return err
	}
	c.Network = nw
	for i := range opts.Servers {
		c.Servers = append(c.Servers, newServer(c.run, nw, rootfs, i, c.logf))
	}
	g, gctx := errgroup.WithContext(ctx)
	for _, s := range c.Servers {
		g.Go(func() error { return s.Boot(gctx) })
	}
	if err := g.Wait(); err != nil {
		return err
	}
	if opts.NoEtcd {
		return nil
	}
	c.Etcd, err = startEtcd(ctx, filepath.Join(c.Dir, "etcd-tls"), c.Servers, nw)
	return err
}

// StartHostService runs argv on the host inside the run's bridge namespace
// and waits until it listens on HostIP:port; it stops with the cluster.
// Its output goes to logs/NAME.log in the run's directory.
func (c *Cluster) StartHostService(t testing.TB, name string, port int, argv ...string) *HostService {
	t.Helper()
	h, err := c.StartService(t.Context(), name, port, argv...)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// StartService is StartHostService for callers that are not tests.
func (c *Cluster) StartService(ctx context.Context, name string, port int, argv ...string) (*HostService, error) {
	h, err := startHostService(ctx, c.Network, cgroup(namePrefix+c.ID+"/host"),
		filepath.Join(c.Dir, "logs"), name, port, argv)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.services = append(c.services, h)
	c.mu.Unlock()
	return h, nil
}

// Close stops the host services and the servers, then removes everything
// of the run: processes, mounts, cgroups, namespaces, its directory. It
// returns an error naming whatever could not be removed. Closing twice does
// nothing.
func (c *Cluster) Close() error {
	return c.close(false)
}

func (c *Cluster) close(keepLogs bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var errs []error
	for _, h := range c.services {
		errs = append(errs, h.Stop())
	}
	var wg sync.WaitGroup
	stopErrs := make([]error, len(c.Servers))
	for i, s := range c.Servers {
		wg.Go(func() { stopErrs[i] = s.Stop(ctx) })
	}
	wg.Wait()
	errs = append(errs, stopErrs...)
	errs = append(errs, teardown(ctx, c.ID, keepLogs, c.logf))
	if left := leftovers(c.ID); len(left) > 0 {
		errs = append(errs, fmt.Errorf("harness: run %s left: %v", c.ID, left))
	}
	c.run.release()
	return errors.Join(errs...)
}

// cleanup is the t.Cleanup of New.
func (c *Cluster) cleanup(t testing.TB) {
	if t.Failed() {
		c.collectLogs()
		if os.Getenv("NECO_DCTEST_KEEP") != "" {
			c.keep(t)
			return
		}
	}
	if err := c.close(t.Failed()); err != nil {
		t.Errorf("cleanup: %v", err)
	}
	if t.Failed() {
		t.Logf("run %s: logs kept in %s; to keep a failed run up for a shell inside, run again with NECO_DCTEST_KEEP=1", c.ID, failedLogsDir(c.ID))
	}
}

// collectLogs saves each running server's journal and failed units into
// logs/, which a failed test keeps.
func (c *Cluster) collectLogs() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, s := range c.Servers {
		if !s.Running() {
			continue
		}
		res, _ := s.Exec(ctx, "sh", "-c", "systemctl --failed --no-pager; journalctl -b --no-pager")
		os.WriteFile(filepath.Join(c.Dir, "logs", s.Name+".journal"), []byte(res.Stdout+res.Stderr), 0o644)
	}
}

// keep leaves a failed test's run up (NECO_DCTEST_KEEP) and says how to
// get in and how to remove it.
func (c *Cluster) keep(t testing.TB) {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	os.WriteFile(keepPath(c.ID), nil, 0o644)
	for _, s := range c.Servers {
		t.Logf("run %s kept: a shell in %s: %s", c.ID, s.Name, s.Shell())
	}
	t.Logf("run %s kept: logs in %s; remove it with: go test -tags dctest -run '^$' ./dctest/harness/", c.ID, filepath.Join(c.Dir, "logs"))
	c.run.release()
	// The lock file is gone with release; the keep file alone protects
	// the run from Sweeps made with NECO_DCTEST_KEEP set.
}
