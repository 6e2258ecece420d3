//go:build dctest

package harness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// containerEnv is the whole environment of commands run inside a server:
// the host's (GOFLAGS, a Go PATH, TMPDIR) means nothing there.
var containerEnv = []string{
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	"LANG=C.UTF-8",
	"HOME=/root",
	"TERM=dumb",
}

// Result is what a command run inside a server did.
type Result struct {
	Stdout string
	Stderr string
	// Code is the exit status, -1 when the command did not exit on its own.
	Code int
}

// ExecError is a command inside a server that exited non-zero (or could
// not run).
type ExecError struct {
	Server string
	Argv   []string
	Result Result
	Err    error
}

// Error reads "boot-0: systemctl start x.service: exit status 1: <stderr>".
func (e *ExecError) Error() string {
	msg := fmt.Sprintf("%s: %s: %v", e.Server, strings.Join(e.Argv, " "), e.Err)
	if s := strings.TrimSpace(e.Result.Stderr); s != "" {
		msg += ": " + s
	}
	return msg
}

func (e *ExecError) Unwrap() error { return e.Err }

// Exec runs argv inside the server, in all of its systemd's namespaces
// (nsenter -t INIT -a), with a clean environment, and returns its output.
// A non-zero exit is an *ExecError whose Result is also returned, so a test
// expecting failure reads res.Code. The command runs in the host's cgroup,
// not under the server's systemd: start long-running things as units
// (systemd-run) instead.
func (s *Server) Exec(ctx context.Context, argv ...string) (Result, error) {
	return s.ExecInput(ctx, nil, argv...)
}

// ExecInput is Exec with stdin read from in.
func (s *Server) ExecInput(ctx context.Context, in io.Reader, argv ...string) (Result, error) {
	s.mu.Lock()
	pid := s.init
	s.mu.Unlock()
	if pid == 0 {
		return Result{Code: -1}, &ExecError{Server: s.Name, Argv: argv, Result: Result{Code: -1}, Err: errors.New("server not running")}
	}
	return s.execAs(ctx, pid, in, argv)
}

func (s *Server) execAs(ctx context.Context, pid int, in io.Reader, argv []string) (Result, error) {
	if len(argv) == 0 {
		return Result{Code: -1}, fmt.Errorf("%s: exec: empty command", s.Name)
	}
	var stdout, stderr bytes.Buffer
	cmd := command(ctx, append([]string{"nsenter", "-t", strconv.Itoa(pid), "-a", "--"}, argv...))
	cmd.Env = containerEnv
	cmd.Stdin, cmd.Stdout, cmd.Stderr = in, &stdout, &stderr
	err := cmd.Run()
	res := Result{Stdout: stdout.String(), Stderr: stderr.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
		return res, nil
	case ctx.Err() != nil:
		res.Code = -1
		err = fmt.Errorf("%w (%w)", context.Cause(ctx), err)
	case errors.As(err, &ee):
		res.Code = ee.ExitCode()
	default:
		res.Code = -1
	}
	return res, &ExecError{Server: s.Name, Argv: argv, Result: res, Err: err}
}

// WriteFile writes data to path inside the server with mode, creating the
// parent directories: written next to it and renamed, so a reader never
// sees half a file. /tmp inside is a tmpfs of the container; stage files in
// /var/tmp.
func (s *Server) WriteFile(ctx context.Context, path string, data []byte, mode os.FileMode) error {
	return s.writeFrom(ctx, bytes.NewReader(data), path, mode)
}

// CopyIn copies the host file hostPath to path inside the server, with the
// host file's mode.
func (s *Server) CopyIn(ctx context.Context, hostPath, path string) error {
	f, err := os.Open(hostPath)
	if err != nil {
		return fmt.Errorf("%s: copy in: %w", s.Name, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("%s: copy in: %w", s.Name, err)
	}
	return s.writeFrom(ctx, f, path, st.Mode().Perm())
}

// writeFrom streams through a shell inside rather than writing through
// /proc/INIT/root: an absolute symlink inside (/etc/resolv.conf) would
// resolve against the host's root there.
func (s *Server) writeFrom(ctx context.Context, in io.Reader, path string, mode os.FileMode) error {
	if !strings.HasPrefix(path, "/") {
		return fmt.Errorf("%s: write %s: not an absolute path", s.Name, path)
	}
	const script = `set -e; mkdir -p "$(dirname "$1")"; cat > "$1.dct-new"; chmod "$2" "$1.dct-new"; mv -f "$1.dct-new" "$1"`
	_, err := s.ExecInput(ctx, in, "/bin/sh", "-c", script, "sh", path, fmt.Sprintf("%o", mode.Perm()))
	return err
}

// Kill9 sends SIGKILL to every process of unit inside the server
// (systemctl kill -s KILL): a crash, as opposed to a stop.
func (s *Server) Kill9(ctx context.Context, unit string) error {
	_, err := s.Exec(ctx, "systemctl", "kill", "-s", "KILL", unit)
	return err
}

// writeShell writes the shell-boot-N script for the booted server.
func (s *Server) writeShell() error {
	script := fmt.Sprintf(`#!/bin/sh
# A shell (or a command: %[1]s systemctl status) in %[2]s of dctest run %[3]s,
# booted as systemd-nspawn pid %[4]d whose systemd is pid %[5]d.
[ $# -gt 0 ] || set -- /bin/bash -l
exec nsenter -t %[5]d -a -- /usr/bin/env -i PATH=%[6]s LANG=C.UTF-8 HOME=/root TERM="${TERM:-xterm}" "$@"
`, s.shell, s.Name, s.runID, s.cmd.Process.Pid, s.init, strings.TrimPrefix(containerEnv[0], "PATH="))
	return os.WriteFile(s.shell, []byte(script), 0o755)
}
