package imagestest

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// readyTimeout bounds how long a daemon may take to answer after it
// started, and how long it may take to stop before it is killed.
const readyTimeout = 10 * time.Second

// StartContainerd runs containerd with its own root, state, socket and
// opt dir, and returns the socket once the daemon answers. It stops when
// t ends. It skips t when containerd is not installed.
func StartContainerd(t testing.TB) string {
	t.Helper()
	needBinary(t, containerdBin, "containerd")
	dir := t.TempDir()
	socket := filepath.Join(dir, "c.sock")
	// The CRI plugin is off: it wants CNI and is not what neco uses.
	// The opt plugin would otherwise create /opt/containerd on the host.
	cfg := fmt.Sprintf(`version = 2
root = %q
state = %q
disabled_plugins = ["io.containerd.grpc.v1.cri"]

[grpc]
  address = %q

[plugins."io.containerd.internal.v1.opt"]
  path = %q
`, filepath.Join(dir, "root"), filepath.Join(dir, "state"), socket, filepath.Join(dir, "opt"))
	cfgPath := writeFile(t, dir, "config.toml", cfg)
	startDaemon(t, dir, "containerd", exec.Command(containerdBin, "--config", cfgPath), func() error {
		c, err := net.Dial("unix", socket)
		if err == nil {
			c.Close()
		}
		return err
	})
	return socket
}

// StartRegistry runs docker-registry with filesystem storage on a free
// loopback port and returns its host:port once GET /v2/ answers 200. It
// stops when t ends. It skips t when docker-registry is not installed.
func StartRegistry(t testing.TB) string {
	t.Helper()
	return startRegistry(t, "", http.StatusOK)
}

// startRegistry runs docker-registry with extra appended to its config,
// ready once GET /v2/ answers with the status it answers a client without
// credentials.
func startRegistry(t testing.TB, extra string, anonymous int) string {
	t.Helper()
	needBinary(t, registryBin, "docker-registry")
	dir := t.TempDir()
	addr := FreeAddr(t)
	cfg := RegistryConfig(filepath.Join(dir, "data"), addr) + extra
	cfgPath := writeFile(t, dir, "config.yml", cfg)
	startDaemon(t, dir, "registry", exec.Command(registryBin, "serve", cfgPath), func() error {
		resp, err := http.Get("http://" + addr + "/v2/")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != anonymous {
			return fmt.Errorf("GET /v2/: %s", resp.Status)
		}
		return nil
	})
	return addr
}

// RegistryConfig is a docker-registry config.yml that stores images under
// dataDir and listens on addr (host:port), with no access log.
func RegistryConfig(dataDir, addr string) string {
	return fmt.Sprintf(`version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: %s
http:
  addr: %s
`, dataDir, addr)
}

// startDaemon starts cmd with its output in dir/NAME.log, waits until
// ready returns nil, and stops it (SIGTERM, then SIGKILL) when the test
// ends. The log is printed when the test failed.
//
// Neither daemon says when it is ready, so ready is polled; the daemon
// exiting ends the wait at once.
func startDaemon(t testing.TB, dir, name string, cmd *exec.Cmd, ready func() error) {
	t.Helper()
	logPath := filepath.Join(dir, name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		t.Fatalf("start %s: %v", name, err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		logFile.Close()
		close(exited)
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(readyTimeout):
			cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			b, _ := os.ReadFile(logPath)
			t.Logf("%s log:\n%s", name, b)
		}
	})
	deadline := time.Now().Add(readyTimeout)
	for {
		err := ready()
		if err == nil {
			return
		}
		select {
		case <-exited:
			t.Fatalf("%s exited before it was ready", name)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready after %v: %v", name, readyTimeout, err)
		}
	}
}

func writeFile(t testing.TB, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
