package bench

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/necoship/neco/pkg/images/imagestest"
)

// stopTimeout is how long a daemon gets to stop after SIGTERM before it
// is killed.
const stopTimeout = 10 * time.Second

// buildDaemons builds neco-updater and neco-worker into a temp dir as
// debian/rules does (its tags, PIE through the external linker, a version
// linked in), so that the footprint measured is the shipped binaries': a
// PIE's relocated pointers are private pages, about 3 MiB more than a
// plain `go build` (docs/bench.md). It returns their paths.
func buildDaemons(b *testing.B) (updater, worker string) {
	b.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		b.Skip("go not found on PATH: the benchmark builds the daemons")
	}
	dir := b.TempDir()
	cmd := exec.Command(gobin, "build", "-o", dir+"/", "-tags", buildTags, "-trimpath", "-buildmode=pie",
		"-ldflags", "-linkmode=external -X github.com/necoship/neco/pkg/buildinfo.Version=0.1.0+bench",
		"github.com/necoship/neco/cmd/neco-updater", "github.com/necoship/neco/cmd/neco-worker")
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	return filepath.Join(dir, "neco-updater"), filepath.Join(dir, "neco-worker")
}

// buildTags are the shipped binaries' (the Makefile's GO_TAGS and
// debian/rules, TestBuildTagsAgree): the footprint measured is theirs.
const buildTags = "static_build,grpcnotrace"

// writeLocalConfig writes the /etc/neco/config.yml of boot server 0, read
// by both daemons: etcd at the test's server under prefix, both metrics
// endpoints on (as by default, on free ports), the worker's dpkg root at
// root. containerd is never dialled: the release has no images.
func writeLocalConfig(b *testing.B, prefix, root string) string {
	b.Helper()
	dir := b.TempDir()
	cfg := fmt.Sprintf(`lrn: 0
etcd:
  endpoints: [%s]
  prefix: %s
log-level: info
metrics-listen: %s
data-dir: %s
worker:
  containerd-address: %s
  metrics-listen: %s
  root: %s
`, srv.Endpoint, prefix, imagestest.FreeAddr(b), filepath.Join(dir, "data"),
		filepath.Join(dir, "containerd.sock"), imagestest.FreeAddr(b), root)
	path := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		b.Fatal(err)
	}
	return path
}

// process is one daemon of the footprint benchmark.
type process struct {
	name   string
	pid    int
	log    string
	exited <-chan struct{}
}

// startProcess runs bin --config config --name boot-0 with a systemd-like
// environment (PATH only), its output in a log file that is printed when
// b fails. It is stopped (SIGTERM, SIGKILL after stopTimeout) when b ends.
func startProcess(b *testing.B, bin, config string) *process {
	b.Helper()
	p := &process{name: filepath.Base(bin), log: filepath.Join(b.TempDir(), "out.log")}
	logFile, err := os.Create(p.log)
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(bin, "--config", config, "--name", "boot-0")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		b.Fatalf("start %s: %v", p.name, err)
	}
	p.pid = cmd.Process.Pid
	exited := make(chan struct{})
	p.exited = exited
	go func() {
		_ = cmd.Wait() // the exit status is not the benchmark's business once it stopped it
		logFile.Close()
		close(exited)
	}()
	b.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(stopTimeout):
			_ = cmd.Process.Kill()
			<-exited
		}
		if b.Failed() {
			out, _ := os.ReadFile(p.log)
			b.Logf("%s output:\n%s", p.name, out)
		}
	})
	return p
}
