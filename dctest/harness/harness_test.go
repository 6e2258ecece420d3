//go:build dctest

package harness

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

// TestSmoke boots the three-server cluster and checks every part of the
// harness once: systemd, etcd over TLS from a server and from the host, the
// network and cutting it, a host service, a reboot, and that Close leaves
// nothing of the run behind.
func TestSmoke(t *testing.T) {
	c := New(t, Options{})
	smokeSystems(t, c)
	t.Run("etcd health over TLS from boot-0", func(t *testing.T) { smokeEtcdTLS(t, c) })
	t.Run("etcd client from the host", func(t *testing.T) { smokeEtcdClient(t, c) })
	t.Run("cut and restore", func(t *testing.T) { smokeCut(t, c) })
	t.Run("host service", func(t *testing.T) { smokeHostService(t, c) })
	t.Run("files and units", func(t *testing.T) { smokeFiles(t, c) })
	t.Run("reboot", func(t *testing.T) { smokeReboot(t, c) })

	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	assertGone(t, c)
}

// smokeSystems checks what every server is after New.
func smokeSystems(t *testing.T, c *Cluster) {
	ctx, s0 := t.Context(), c.Servers[0]
	machineIDs := map[string]string{}
	for _, s := range c.Servers {
		res, err := s.Exec(ctx, "systemctl", "is-system-running")
		if state := strings.TrimSpace(res.Stdout); state != "running" && state != "degraded" {
			t.Errorf("%s: is-system-running = %q (%v)", s.Name, state, err)
		}
		if res, err := s.Exec(ctx, "hostname"); err != nil || strings.TrimSpace(res.Stdout) != s.Name {
			t.Errorf("%s: hostname = %q (%v)", s.Name, res.Stdout, err)
		}
		// Debian's own etcd member would take 127.0.0.1:2379.
		if res, _ := s.Exec(ctx, "systemctl", "is-enabled", "etcd.service"); strings.TrimSpace(res.Stdout) != "masked" {
			t.Errorf("%s: etcd.service is %q, want masked", s.Name, res.Stdout)
		}
		res, err = s.Exec(ctx, "cat", "/etc/machine-id")
		id := strings.TrimSpace(res.Stdout)
		if err != nil || len(id) != 32 || machineIDs[id] != "" {
			t.Errorf("%s: machine-id %q (%v), also of %q", s.Name, id, err, machineIDs[id])
		}
		machineIDs[id] = s.Name
	}
	// containerd's snapshots need a real filesystem, not the overlay root.
	if res, err := s0.Exec(ctx, "stat", "-f", "-c", "%T", "/var/lib/containerd"); err != nil || strings.TrimSpace(res.Stdout) == "overlayfs" {
		t.Errorf("/var/lib/containerd is on %q (%v)", res.Stdout, err)
	}
	if _, err := s0.Exec(ctx, "systemctl", "is-active", "containerd.service"); err != nil {
		t.Error(err)
	}
}

func smokeEtcdTLS(t *testing.T, c *Cluster) {
	ctx := t.Context()
	s0 := c.Servers[0]
	res, err := c.Etcd.Etcdctl(ctx, s0, "endpoint", "health")
	if err != nil {
		t.Fatal(err)
	}
	out := res.Stdout + res.Stderr
	for _, ep := range c.Etcd.Endpoints() {
		if !strings.Contains(out, ep+" is healthy") {
			t.Errorf("%s not healthy:\n%s", ep, out)
		}
	}
	tlsFiles, url := c.Etcd.ClientTLS(), c.Etcd.Endpoints()[2]+"/health"
	res, err = s0.Exec(ctx, "curl", "-sS", "--cacert", tlsFiles.CA, "--cert", tlsFiles.Cert, "--key", tlsFiles.Key, url)
	if err != nil || !strings.Contains(res.Stdout, `"health":"true"`) {
		t.Errorf("GET %s with the client certificate: %q (%v)", url, res.Stdout, err)
	}
	if res, err := s0.Exec(ctx, "curl", "-sS", "--cacert", tlsFiles.CA, url); err == nil {
		t.Errorf("GET %s without a client certificate worked: %q", url, res.Stdout)
	}
}

func smokeEtcdClient(t *testing.T, c *Cluster) {
	ctx := t.Context()
	cli := c.Etcd.Client(t)
	if _, err := cli.Put(ctx, "/dctest/smoke", "ok"); err != nil {
		t.Fatal(err)
	}
	res, err := c.Etcd.Etcdctl(ctx, c.Servers[1], "get", "--print-value-only", "/dctest/smoke")
	if err != nil || strings.TrimSpace(res.Stdout) != "ok" {
		t.Fatalf("boot-1 reads %q (%v)", res.Stdout, err)
	}
}

func smokeCut(t *testing.T, c *Cluster) {
	ctx := t.Context()
	s0 := c.Servers[0]
	s2 := c.Servers[2]
	if _, err := s0.Exec(ctx, "ping", "-c1", "-w10", s2.IP); err != nil {
		t.Fatal(err)
	}
	if err := c.Network.Cut(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if res, err := s0.Exec(ctx, "ping", "-c1", "-W1", s2.IP); err == nil || res.Code != 1 {
		t.Fatalf("ping to a cut server: code %d, %v", res.Code, err)
	}
	if err := c.Network.Restore(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if _, err := s0.Exec(ctx, "ping", "-c1", "-w10", s2.IP); err != nil {
		t.Fatalf("after restore: %v", err)
	}
}

func smokeHostService(t *testing.T, c *Cluster) {
	ctx := t.Context()
	s0 := c.Servers[0]
	busybox, err := exec.LookPath("busybox")
	if err != nil {
		t.Fatal("busybox (busybox-static) is needed on the host:", err)
	}
	www := t.TempDir()
	if err := os.WriteFile(filepath.Join(www, "hello"), []byte("hello from the host\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	h := c.StartHostService(t, "httpd", 18081, busybox, "httpd", "-f", "-p", HostIP+":18081", "-h", www)
	res, err := s0.Exec(ctx, "curl", "-sSf", "http://"+h.Addr+"/hello")
	if err != nil || res.Stdout != "hello from the host\n" {
		t.Fatalf("curl from boot-0: %q (%v)", res.Stdout, err)
	}
	client := http.Client{Transport: &http.Transport{DialContext: c.Network.DialContext}}
	resp, err := client.Get("http://" + h.Addr + "/hello")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET from the test process: %v, %v", resp, err)
	}
	resp.Body.Close()
}

func smokeFiles(t *testing.T, c *Cluster) {
	ctx := t.Context()
	s0 := c.Servers[0]
	if err := s0.WriteFile(ctx, "/var/tmp/dctest/a b", []byte("x\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	res, err := s0.Exec(ctx, "stat", "-c", "%a %s", "/var/tmp/dctest/a b")
	if err != nil || strings.TrimSpace(res.Stdout) != "640 2" {
		t.Fatalf("stat: %q (%v)", res.Stdout, err)
	}
	script := filepath.Join(t.TempDir(), "hi.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho hi from $(hostname)\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := s0.CopyIn(ctx, script, "/usr/local/bin/hi"); err != nil {
		t.Fatal(err)
	}
	if res, err := s0.Exec(ctx, "hi"); err != nil || res.Stdout != "hi from boot-0\n" {
		t.Fatalf("copied script: %q (%v)", res.Stdout, err)
	}
	res, err = s0.Exec(ctx, "sh", "-c", "echo out; echo err >&2; exit 3")
	if err == nil || res.Code != 3 || res.Stdout != "out\n" || !strings.Contains(err.Error(), "err") {
		t.Fatalf("exit 3: %+v, %v", res, err)
	}
	before := mainPID(ctx, t, s0, EtcdUnit)
	if err := s0.Kill9(ctx, EtcdUnit); err != nil {
		t.Fatal(err)
	}
	waitFor(ctx, t, "etcd restarted after kill -9", func() bool {
		pid := mainPID(ctx, t, s0, EtcdUnit)
		return pid != 0 && pid != before
	})
}

func smokeReboot(t *testing.T, c *Cluster) {
	ctx := t.Context()
	s0 := c.Servers[0]
	s2 := c.Servers[2]
	if err := s2.WriteFile(ctx, "/var/lib/dctest-mark", []byte("kept\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := s2.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s2.Exec(ctx, "true"); err == nil {
		t.Fatal("Exec works on a stopped server")
	}
	if err := s2.Boot(ctx); err != nil {
		t.Fatal(err)
	}
	if res, err := s2.Exec(ctx, "cat", "/var/lib/dctest-mark"); err != nil || res.Stdout != "kept\n" {
		t.Fatalf("disk after reboot: %q (%v)", res.Stdout, err)
	}
	waitFor(ctx, t, "3 healthy members after the reboot", func() bool {
		_, err := c.Etcd.Etcdctl(ctx, s0, "endpoint", "health")
		return err == nil
	})
}

// assertGone checks with the system's own tools that nothing of the run
// is left.
func assertGone(t *testing.T, c *Cluster) {
	out, err := exec.Command("ip", "netns", "list").Output()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), namePrefix+c.ID) {
		t.Errorf("network namespaces left:\n%s", out)
	}
	mounts, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(mounts), c.Dir) {
		t.Errorf("mounts left under %s", c.Dir)
	}
	for _, h := range []string{"systemd", "unified", ""} {
		if _, err := os.Stat(filepath.Join("/sys/fs/cgroup", h, namePrefix+c.ID)); err == nil {
			t.Errorf("cgroup %s left in /sys/fs/cgroup/%s", namePrefix+c.ID, h)
		}
	}
	// pgrep exits 1 when nothing matches.
	out, err = exec.Command("pgrep", "-af", "systemd-nspawn .*-M "+namePrefix+c.ID).Output()
	if err == nil || len(out) > 0 {
		t.Errorf("systemd-nspawn of the run left: %s (%v)", out, err)
	}
	if _, err := os.Stat(c.Dir); err == nil {
		t.Errorf("run directory %s left", c.Dir)
	}
}

func mainPID(ctx context.Context, t *testing.T, s *Server, unit string) int {
	res, err := s.Exec(ctx, "systemctl", "show", "-P", "MainPID", unit)
	if err != nil {
		t.Fatal(err)
	}
	var pid int
	fmt.Sscan(res.Stdout, &pid)
	return pid
}

// waitFor polls cond until it holds or a minute passes: the conditions are
// states inside the servers, which have no event to wait on from here.
func waitFor(ctx context.Context, t *testing.T, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("%s: %v", what, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// TestIDOf covers the name parsing Sweep relies on to touch only runs'
// names.
func TestIDOf(t *testing.T) {
	for name, want := range map[string]string{
		"dct-0a1b2c":      "0a1b2c",
		"dct-0a1b2c-br":   "0a1b2c",
		"dct-0a1b2c-2":    "0a1b2c",
		"dct-br":          "",
		"dct-0a1b2g-1":    "",
		"dct-0a1b2c3-1":   "",
		"docker0":         "",
		"dct-registry":    "",
		"xdct-0a1b2c-1":   "",
		"dct-0a1b2c.lock": "",
	} {
		if got := idOf(name); got != want {
			t.Errorf("idOf(%q) = %q, want %q", name, got, want)
		}
	}
}

// TestDialRefusesNames checks that a host name is refused rather than
// resolved on a thread outside the namespace.
func TestDialRefusesNames(t *testing.T) {
	nw := &Network{id: "000000", n: 1}
	if _, err := nw.DialContext(t.Context(), "tcp", "localhost:1"); err == nil {
		t.Fatal("dialled a name")
	}
}
