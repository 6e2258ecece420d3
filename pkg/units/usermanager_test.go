package units

import (
	"context"
	"errors"
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

// userManager is a real systemd, the per-user service manager (systemd
// --user), on a bus of its own, so that Manager can be tested against
// systemd on a machine whose PID 1 is not systemd. It runs:
//   - in cgroups made for it (a service manager needs one to own);
//   - in a private mount namespace with an empty /run holding
//     /run/systemd/system, the mark systemd checks for "booted with
//     systemd", so that nothing on the host sees that mark;
//   - with its unit path limited to a temporary directory, which holds a
//     few empty targets and the dbus.socket/dbus.service pair that gives it
//     its bus, as on a real machine.
type userManager struct {
	busAddress string
	unitDir    string
	logDir     string
	cgroups    []string
	cmd        *exec.Cmd
}

// systemdBinary is where Debian's package systemd installs the manager.
const systemdBinary = "/lib/systemd/systemd"

// baseUnits are the units every service's default dependencies name, and
// the bus.
var baseUnits = map[string]string{
	"default.target":  "[Unit]\nDescription=test default\nWants=dbus.socket\n",
	"basic.target":    "[Unit]\nDescription=basic\n",
	"sockets.target":  "[Unit]\nDescription=sockets\n",
	"timers.target":   "[Unit]\nDescription=timers\n",
	"paths.target":    "[Unit]\nDescription=paths\n",
	"shutdown.target": "[Unit]\nDescription=shutdown\nDefaultDependencies=no\n",
	"dbus.socket":     "[Socket]\nListenStream=%t/bus\n",
	"dbus.service": "[Service]\nType=notify\nNotifyAccess=main\n" +
		"ExecStart=%s --session --address=systemd: --nofork --nopidfile --systemd-activation --syslog-only\n",
}

func startUserManager(t *testing.T) *userManager {
	t.Helper()
	dbusDaemon := lookBinary(t, "dbus-daemon", "dbus-daemon")
	unshare := lookBinary(t, "unshare", "util-linux")
	lookBinary(t, systemdBinary, "systemd")
	if os.Geteuid() != 0 {
		t.Fatal("a systemd user manager for the test needs root (cgroups, a mount namespace)")
	}
	dir := t.TempDir()
	u := &userManager{
		unitDir: filepath.Join(dir, "units"),
		logDir:  filepath.Join(dir, "logs"),
	}
	runtimeDir := filepath.Join(dir, "run")
	for _, d := range []string{u.unitDir, u.logDir, runtimeDir} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	u.busAddress = "unix:path=" + filepath.Join(runtimeDir, "bus")
	for name, body := range baseUnits {
		if name == "dbus.service" {
			body = fmt.Sprintf(body, dbusDaemon)
		}
		u.writeUnit(t, name, body)
	}
	u.makeCgroups(t)
	t.Cleanup(func() { u.stop(t) })

	// The shell moves itself into the cgroups, then becomes systemd:
	// unshare runs it without forking, so $$ is the process started here.
	script := `for g in "$@"; do echo $$ > "$g/cgroup.procs" || exit 1; done
mount -t tmpfs -o mode=755 tmpfs /run && mkdir -p /run/systemd/system || exit 1
exec ` + systemdBinary + ` --user`
	args := append([]string{"-m", "--propagation", "private", "/bin/sh", "-c", script, "sh"}, u.cgroups...)
	u.cmd = exec.Command(unshare, args...)
	u.cmd.Env = []string{
		"PATH=/usr/sbin:/usr/bin:/sbin:/bin",
		"HOME=" + dir,
		"XDG_RUNTIME_DIR=" + runtimeDir,
		"SYSTEMD_UNIT_PATH=" + u.unitDir,
	}
	u.cmd.Stdout = &testLog{t: t, prefix: "systemd: "}
	u.cmd.Stderr = u.cmd.Stdout
	u.cmd.WaitDelay = 2 * time.Second
	// If the test binary dies, systemd goes with it.
	u.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := u.cmd.Start(); err != nil {
		t.Fatalf("start systemd --user: %v", err)
	}
	return u
}

// connect waits until systemd answers on its bus, then returns a Manager
// connected there.
func (u *userManager) connect(t *testing.T, o Options) *Manager {
	t.Helper()
	o.BusAddress = u.busAddress
	deadline := time.Now().Add(15 * time.Second)
	for {
		err := u.try(o)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("systemd --user did not answer on %s: %v", u.busAddress, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	m, err := Connect(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	return m
}

// try connects once and reads a unit, which fails until systemd has
// taken its name on the bus.
func (u *userManager) try(o Options) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	m, err := Connect(ctx, o)
	if err != nil {
		return err
	}
	defer m.Close()
	_, err = m.State(ctx, "default.target")
	return err
}

func (u *userManager) writeUnit(t *testing.T, name, body string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(u.unitDir, name), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// journal stands in for journalctl (there is no journald here): the test
// units append their output to logDir/UNIT.log.
func (u *userManager) journal(_ context.Context, unit string, lines int) (string, error) {
	b, err := os.ReadFile(filepath.Join(u.logDir, unit+".log"))
	if err != nil {
		return "", err
	}
	all := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(all[max(0, len(all)-lines):], "\n"), nil
}

// makeCgroups makes one cgroup per mounted hierarchy systemd uses: the
// named systemd one and the unified one on a hybrid machine, the root on a
// unified-only one.
func (u *userManager) makeCgroups(t *testing.T) {
	t.Helper()
	name := "neco-units-test-" + strconv.Itoa(os.Getpid())
	roots := []string{"/sys/fs/cgroup/systemd", "/sys/fs/cgroup/unified"}
	for _, root := range roots {
		if _, err := os.Stat(filepath.Join(root, "cgroup.procs")); err != nil {
			continue
		}
		u.cgroups = append(u.cgroups, filepath.Join(root, name))
	}
	if len(u.cgroups) == 0 {
		u.cgroups = []string{filepath.Join("/sys/fs/cgroup", name)}
	}
	for _, g := range u.cgroups {
		if err := os.Mkdir(g, 0o755); err != nil {
			t.Fatalf("make cgroup for systemd --user: %v", err)
		}
	}
}

// stop kills systemd and everything in its cgroups, then removes them.
func (u *userManager) stop(t *testing.T) {
	if u.cmd != nil && u.cmd.Process != nil {
		u.cmd.Process.Kill()
		u.cmd.Wait()
	}
	deadline := time.Now().Add(10 * time.Second)
	for _, g := range u.cgroups {
		for {
			pids := cgroupPIDs(g)
			if len(pids) == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Errorf("cgroup %s still holds %v", g, pids)
				break
			}
			for _, pid := range pids {
				syscall.Kill(pid, syscall.SIGKILL)
			}
			time.Sleep(20 * time.Millisecond)
		}
		if err := removeCgroup(g); err != nil {
			t.Errorf("remove cgroup: %v", err)
		}
	}
}

// cgroupPIDs lists the processes in g and below.
func cgroupPIDs(g string) []int {
	var pids []int
	filepath.WalkDir(g, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != "cgroup.procs" {
			return nil
		}
		b, _ := os.ReadFile(p)
		for _, f := range strings.Fields(string(b)) {
			if pid, err := strconv.Atoi(f); err == nil {
				pids = append(pids, pid)
			}
		}
		return nil
	})
	return pids
}

// removeCgroup removes g and the cgroups systemd made below it, deepest
// first (a cgroup directory is removed with rmdir only, once empty).
func removeCgroup(g string) error {
	var dirs []string
	filepath.WalkDir(g, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			dirs = append(dirs, p)
		}
		return nil
	})
	var errs []error
	for i := len(dirs) - 1; i >= 0; i-- {
		if err := os.Remove(dirs[i]); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// lookBinary finds a program the test needs, skipping the test with the
// Debian package to install when it is missing.
func lookBinary(t *testing.T, name, debianPackage string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("needs %s (Debian package %s): %v", name, debianPackage, err)
	}
	return p
}

// testLog passes a process's output to t.Log while the test runs.
type testLog struct {
	t      *testing.T
	prefix string
}

func (l *testLog) Write(p []byte) (int, error) {
	l.t.Log(l.prefix + strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
