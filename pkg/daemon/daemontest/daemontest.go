// Package daemontest builds neco's daemons as the Debian package does and
// runs them as processes, for the benchmarks that measure a daemon's own
// memory (bench's footprint, pkg/worker's barrier scale).
package daemontest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// BuildTags are the shipped binaries' (the Makefile's GO_TAGS and
// debian/rules; TestBuildTagsAgree keeps them in step): static_build keeps
// containerd's client from importing Go's plugin package, grpcnotrace drops
// gRPC's x/net/trace.
const BuildTags = "static_build,grpcnotrace"

// stopTimeout is how long a daemon gets to stop after SIGTERM before it is
// killed.
const stopTimeout = 10 * time.Second

// Build builds the commands (cmd/ names: "neco-updater") into a temporary
// directory as debian/rules does (BuildTags, PIE through the external
// linker, a version linked in), so that what is measured is the shipped
// binary: a PIE's relocated pointers are private pages, about 3 MiB more
// than a plain `go build`. It returns the binaries' paths by name, and
// skips tb without go on PATH.
func Build(tb testing.TB, cmds ...string) map[string]string {
	tb.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		tb.Skip("go not found on PATH: the benchmark builds the daemons")
	}
	dir := tb.TempDir()
	bins := map[string]string{}
	for _, c := range cmds {
		bins[c] = filepath.Join(dir, c)
	}
	if out, err := exec.Command(gobin, BuildArgs(dir, "0.1.0+bench", cmds...)...).CombinedOutput(); err != nil {
		tb.Fatalf("go build: %v\n%s", err, out)
	}
	return bins
}

// BuildArgs are the arguments of the go command that builds the commands
// (cmd/ names) into dir as debian/rules does, with version linked in.
func BuildArgs(dir, version string, cmds ...string) []string {
	args := []string{"build", "-o", dir + "/", "-tags", BuildTags, "-trimpath", "-buildmode=pie",
		"-ldflags", "-linkmode=external -X github.com/necoship/neco/pkg/buildinfo.Version=" + version}
	for _, c := range cmds {
		args = append(args, "github.com/necoship/neco/cmd/"+c)
	}
	return args
}

// Process is a daemon under a benchmark.
type Process struct {
	Name   string
	PID    int
	Log    string // its stdout and stderr
	Exited <-chan struct{}
}

// Start runs bin with args in a systemd-like environment (PATH only), its
// output in a log file that is printed when tb fails. It is stopped
// (SIGTERM, SIGKILL after stopTimeout) when tb ends.
func Start(tb testing.TB, bin string, args ...string) *Process {
	tb.Helper()
	p := &Process{Name: filepath.Base(bin), Log: filepath.Join(tb.TempDir(), "out.log")}
	logFile, err := os.Create(p.Log)
	if err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		tb.Fatalf("start %s: %v", p.Name, err)
	}
	p.PID = cmd.Process.Pid
	exited := make(chan struct{})
	p.Exited = exited
	go func() {
		_ = cmd.Wait() // the exit status is not the benchmark's business once it stopped it
		logFile.Close()
		close(exited)
	}()
	tb.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(stopTimeout):
			_ = cmd.Process.Kill()
			<-exited
		}
		if tb.Failed() {
			out, _ := os.ReadFile(p.Log)
			tb.Logf("%s output:\n%s", p.Name, out)
		}
	})
	return p
}

// PeakRSS is the highest resident set the process has had (VmHWM), in
// bytes.
func (p *Process) PeakRSS() (int64, error) {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.PID))
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(status)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("/proc/%d/status: VmHWM: %w", p.PID, err)
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("/proc/%d/status: no VmHWM (a zombie?)", p.PID)
}
