//go:build dctest

package harness

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

const (
	// bootTimeout bounds Boot: the servers reach "running" in about 4 s.
	bootTimeout = 3 * time.Minute
	// stopTimeout is how long Stop waits for a clean power-off (2-9 s with
	// etcd and containerd running) before it kills the container.
	stopTimeout = 30 * time.Second
)

// Server is one boot server: a systemd-nspawn container booting the
// rootfs under an overlay whose upper directory is its disk.
type Server struct {
	// LRN is the server's logical rack number and index in Cluster.Servers.
	LRN int
	// Name is its hostname, boot-LRN.
	Name string
	// IP is its address on the run's network.
	IP string

	runID  string
	rootfs string
	dir    string // upper, work, root, containerd
	logs   string
	netns  string
	cg     cgroup
	shell  string // path of the shell-boot-N script
	logf   Logf

	mu   sync.Mutex
	cmd  *exec.Cmd     // the nspawn, while booted
	done chan struct{} // closed when cmd exited
	init int           // the container's systemd, as a host pid
}

func newServer(r *run, nw *Network, rootfs string, lrn int, logf Logf) *Server {
	name := fmt.Sprintf("boot-%d", lrn)
	return &Server{
		LRN: lrn, Name: name, IP: ServerIP(lrn),
		runID: r.id, rootfs: rootfs,
		dir:   filepath.Join(r.dir, name),
		logs:  filepath.Join(r.dir, "logs"),
		netns: netnsPath(nw.Namespace(lrn)),
		cg:    cgroup(namePrefix + r.id + "/" + name),
		shell: ShellPath(r.id, lrn),
		logf:  logf,
	}
}

// machine is the nspawn machine name: unique per run, unlike the hostname,
// because nspawn keeps per-machine state under /run/systemd/nspawn.
func (s *Server) machine() string { return namePrefix + s.runID + "-" + strconv.Itoa(s.LRN) }

// ConsoleLog is the file the server's console (nspawn's output) goes to.
func (s *Server) ConsoleLog() string { return filepath.Join(s.logs, s.Name+".console") }

// Shell is the path of a script that opens a shell in the server while it
// runs (written at each boot).
func (s *Server) Shell() string { return s.shell }

// Boot mounts the server's root, starts systemd-nspawn --boot in the
// server's own cgroup and waits until systemd inside reports running or
// degraded. Its error carries the end of the console log.
func (s *Server) Boot(ctx context.Context) error { return s.boot(ctx, s.waitRunning) }

// boot is Boot, with ready saying when the boot is far enough along.
func (s *Server) boot(ctx context.Context, ready func(context.Context) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return fmt.Errorf("%s: already booted", s.Name)
	}
	ctx, cancel := context.WithTimeout(ctx, bootTimeout)
	defer cancel()
	root := filepath.Join(s.dir, "root")
	if err := mountOverlay(s.rootfs, filepath.Join(s.dir, "upper"), filepath.Join(s.dir, "work"), root); err != nil {
		return fmt.Errorf("%s: %w", s.Name, err)
	}
	containerd := filepath.Join(s.dir, "containerd")
	if err := os.MkdirAll(containerd, 0o711); err != nil {
		return fmt.Errorf("%s: %w", s.Name, err)
	}
	if err := s.cg.create(); err != nil {
		return fmt.Errorf("%s: %w", s.Name, err)
	}
	console, err := os.OpenFile(s.ConsoleLog(), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("%s: %w", s.Name, err)
	}
	defer console.Close() // the child has its own copy
	// The flags are the measured ones of docs/dctest.md: --keep-unit
	// because there is no systemd on the host ("Failed to open system
	// bus" without it), the capabilities and syscalls for containerd and
	// runc inside, no resource limits (cgroup v2 has no controllers).
	cmd, err := s.cg.command(context.Background(), []string{"systemd-nspawn", "-q",
		"-D", root, "-M", s.machine(), "--hostname=" + s.Name, "--boot",
		"--register=no", "--keep-unit", "--network-namespace-path=" + s.netns,
		"--console=read-only", "--bind=" + containerd + ":/var/lib/containerd",
		"--capability=CAP_NET_ADMIN,CAP_BPF,CAP_PERFMON",
		"--system-call-filter=add_key keyctl request_key bpf"})
	if err != nil {
		return fmt.Errorf("%s: %w", s.Name, err)
	}
	cmd.Env = append(os.Environ(), "SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1")
	cmd.Stdout, cmd.Stderr = console, console
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("%s: start systemd-nspawn: %w", s.Name, err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	s.cmd, s.done = cmd, done
	pid, err := s.findInit(ctx)
	if err == nil {
		s.init = pid
		err = ready(ctx)
	}
	if err != nil {
		return fmt.Errorf("%s: %w; last lines of %s:\n%s", s.Name, err, s.ConsoleLog(), tail(s.ConsoleLog(), 30))
	}
	if err := s.writeShell(); err != nil {
		return fmt.Errorf("%s: %w", s.Name, err)
	}
	return nil
}

// waitRunning waits with systemctl is-system-running --wait, which
// returns when the boot is over; it is retried only while systemd's
// socket is not up yet.
func (s *Server) waitRunning(ctx context.Context) error {
	pid := s.init
	return s.poll(ctx, "not running", func() (bool, string, error) {
		res, _ := s.execAs(ctx, pid, nil, []string{"systemctl", "is-system-running", "--wait"})
		state := strings.TrimSpace(res.Stdout)
		switch state {
		case "running":
			return true, "", nil
		case "degraded":
			failed, _ := s.execAs(ctx, pid, nil, []string{"systemctl", "--failed", "--no-legend", "--plain"})
			s.logf("%s: degraded; failed units:\n%s", s.Name, failed.Stdout)
			return true, "", nil
		case "maintenance", "stopping":
			return false, "", fmt.Errorf("systemd is %s", state)
		}
		return false, strings.TrimSpace(state + " " + res.Stderr), nil
	})
}

// waitMultiUser waits until multi-user.target is active in the server.
func (s *Server) waitMultiUser(ctx context.Context) error {
	return s.poll(ctx, "multi-user.target not reached", func() (bool, string, error) {
		res, _ := s.execAs(ctx, s.init, nil, []string{"systemctl", "is-active", "multi-user.target"})
		state := strings.TrimSpace(res.Stdout)
		return state == "active", strings.TrimSpace(state + " " + res.Stderr), nil
	})
}

// poll runs check every 200ms until it is done or fails, systemd-nspawn
// exits, or ctx ends; then the error says what (notYet) with check's
// last answer.
func (s *Server) poll(ctx context.Context, notYet string, check func() (done bool, last string, err error)) error {
	for {
		done, last, err := check()
		if done || err != nil {
			return err
		}
		select {
		case <-s.done:
			return errors.New("systemd-nspawn exited")
		case <-ctx.Done():
			return fmt.Errorf("%s (last: %q): %w", notYet, last, context.Cause(ctx))
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// findInit waits for nspawn's child process named systemd.
func (s *Server) findInit(ctx context.Context) (int, error) {
	nspawn := s.cmd.Process.Pid
	for {
		if pid := childNamed(nspawn, "systemd"); pid > 0 {
			return pid, nil
		}
		select {
		case <-s.done:
			return 0, errors.New("systemd-nspawn exited")
		case <-ctx.Done():
			return 0, fmt.Errorf("no systemd under systemd-nspawn (pid %d): %w", nspawn, context.Cause(ctx))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Stop powers the server off (SIGTERM to nspawn makes systemd shut down)
// and waits; after stopTimeout it kills everything in the server's cgroup.
// Then it unmounts the root and removes the cgroup. The disk stays for the
// next Boot. Stopping a stopped server does nothing.
func (s *Server) Stop(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		s.cmd.Process.Signal(syscall.SIGTERM)
		timer := time.NewTimer(stopTimeout)
		defer timer.Stop()
		select {
		case <-s.done:
		case <-timer.C:
			s.logf("%s: still up %v after SIGTERM: killing it", s.Name, stopTimeout)
		case <-ctx.Done():
			s.logf("%s: %v while powering off: killing it", s.Name, context.Cause(ctx))
		}
	}
	// Also when the nspawn exited: nothing of the container may be left.
	err := s.cg.kill(10 * time.Second)
	if s.cmd != nil {
		s.cmd.Process.Kill()
		<-s.done
		s.cmd, s.done, s.init = nil, nil, 0
	}
	return errors.Join(err, s.cg.remove(), unmountUnder(filepath.Join(s.dir, "root")))
}

// Reboot is an operator's reboot of the server: Stop powers it off
// cleanly (systemd stops every unit, as for `systemctl reboot`), then it
// boots again on the same disk and containerd directory, so what it
// installed stays, its enabled units start again, and /run and /tmp
// inside start empty. Its network namespace, address and link are kept.
//
// Unlike Boot it returns once multi-user.target is reached (which comes
// after every unit it wants, so the enabled ones are up), not when the
// boot is over: a job queued while the server boots, such as a restart
// that a resuming neco-worker runs, keeps systemd "starting" until that
// job ends, and a test may hold such a job until after the reboot.
func (s *Server) Reboot(ctx context.Context) error {
	start := time.Now()
	if err := s.Stop(ctx); err != nil {
		return fmt.Errorf("%s: reboot: power off: %w", s.Name, err)
	}
	off := time.Since(start)
	if err := s.boot(ctx, s.waitMultiUser); err != nil {
		return fmt.Errorf("reboot: %w", err)
	}
	s.logf("%s: rebooted: powered off in %v, booted in %v", s.Name,
		off.Round(100*time.Millisecond), (time.Since(start) - off).Round(100*time.Millisecond))
	return nil
}

// Running reports whether the server is booted (its nspawn has not exited).
func (s *Server) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return false
	}
	select {
	case <-s.done:
		return false
	default:
		return true
	}
}
