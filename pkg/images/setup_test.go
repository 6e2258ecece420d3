package images

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"go.uber.org/zap/zaptest"
)

const (
	containerdBin = "/usr/bin/containerd"
	registryBin   = "/usr/bin/docker-registry"
)

// testEnv is a containerd and a docker-registry of one test, both on
// loopback and in the test's temp dirs.
type testEnv struct {
	socket   string // containerd's gRPC socket
	registry string // host:port of docker-registry; images are pushed here
}

// newEnv starts containerd and docker-registry; both stop when the test
// ends. It skips only when one of the binaries is missing.
func newEnv(t *testing.T) *testEnv {
	t.Helper()
	for bin, pkg := range map[string]string{containerdBin: "containerd", registryBin: "docker-registry"} {
		if _, err := os.Stat(bin); err != nil {
			t.Skipf("%s not found: install the Debian package %s", bin, pkg)
		}
	}
	return &testEnv{socket: startContainerd(t), registry: startRegistry(t)}
}

// puller connects a Puller to the env's containerd, closed when t ends.
// overlayfs works under the temp dir here (ext4), so tests keep the
// production default.
func (e *testEnv) puller(t *testing.T, o Options) *Puller {
	t.Helper()
	o.Address = e.socket
	if o.Logger == nil {
		o.Logger = zaptest.NewLogger(t)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, err := New(ctx, o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// startContainerd runs containerd with its own root, state, socket and
// opt dir, and returns the socket once the daemon answers.
func startContainerd(t *testing.T) string {
	t.Helper()
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

// startRegistry runs docker-registry with filesystem storage on a free
// loopback port and returns its host:port.
func startRegistry(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	addr := freeAddr(t)
	cfg := fmt.Sprintf(`version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: %s
http:
  addr: %s
`, filepath.Join(dir, "data"), addr)
	cfgPath := writeFile(t, dir, "config.yml", cfg)
	startDaemon(t, dir, "registry", exec.Command(registryBin, "serve", cfgPath), func() error {
		resp, err := http.Get("http://" + addr + "/v2/")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET /v2/: %s", resp.Status)
		}
		return nil
	})
	return addr
}

// startDaemon starts cmd with its output in dir/NAME.log, waits until
// ready returns nil, and stops it (SIGTERM, then SIGKILL) when the test
// ends. The log is printed when the test failed.
func startDaemon(t *testing.T, dir, name string, cmd *exec.Cmd, ready func() error) {
	t.Helper()
	logPath := filepath.Join(dir, name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
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
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			b, _ := os.ReadFile(logPath)
			t.Logf("%s log:\n%s", name, b)
		}
	})
	deadline := time.Now().Add(10 * time.Second)
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
			t.Fatalf("%s not ready after 10s: %v", name, err)
		}
	}
}

// freeAddr returns a loopback host:port nobody listens on right now.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// pushImage builds a one-layer linux/amd64 image holding files and pushes
// it to the env's registry as repo:tag. It returns the manifest digest.
func (e *testEnv) pushImage(t *testing.T, repo, tag string, files map[string]string) string {
	t.Helper()
	layerTar := tarOf(t, files)
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerTar)), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	// Keep the diff IDs AppendLayers recorded; only name the platform.
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture = "linux", "amd64"
	if img, err = mutate.ConfigFile(img, cfg); err != nil {
		t.Fatal(err)
	}
	ref, err := name.ParseReference(e.registry+"/"+repo+":"+tag, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img); err != nil {
		t.Fatalf("push %s: %v", ref, err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d.String()
}

func tarOf(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, path := range slices.Sorted(maps.Keys(files)) {
		content := files[path]
		hdr := &tar.Header{Name: path, Mode: 0o644, Size: int64(len(content)), Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(content)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// pinned spells a digest-pinned ref on host.
func pinned(host, repo, tag, digest string) string {
	return host + "/" + repo + ":" + tag + "@" + digest
}
