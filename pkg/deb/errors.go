package deb

import (
	"errors"
	"os/exec"
	"strings"
)

var (
	// ErrDowngrade is returned by Install when the package is older than the
	// version on disk and InstallOptions.AllowDowngrade is not set.
	ErrDowngrade = errors.New("deb: downgrade refused")
	// ErrDpkg is wrapped by every failed dpkg -i, and by a dpkg -i that
	// exited 0 without leaving the package installed.
	ErrDpkg = errors.New("deb: dpkg failed")
	// ErrBadPackage is wrapped when dpkg-deb cannot read a .deb or its
	// control fields are not usable: retrying the same file cannot help.
	ErrBadPackage = errors.New("deb: bad package file")
)

// stderrLines is how many trailing lines of a command's stderr an error
// keeps: enough for dpkg's "error processing" block and its cause, short
// enough for a status line in etcd.
const stderrLines = 20

// CommandError is a dpkg, dpkg-deb or dpkg-query run that failed. Callers
// reach it with errors.As to report the exit code and stderr separately.
type CommandError struct {
	Command  string // short form for messages: "dpkg -i example-site_1.0_amd64.deb"
	ExitCode int    // -1 when it did not exit on its own (killed, never started)
	Stderr   string // the last stderrLines lines of its stderr, trimmed
	Err      error  // what the Runner returned
}

func newCommandError(command string, stderr []byte, err error) *CommandError {
	code := -1
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	}
	return &CommandError{Command: command, ExitCode: code, Stderr: lastLines(stderr, stderrLines), Err: err}
}

// Error reads "dpkg -i x.deb: exit status 1: dpkg: error processing ...".
func (e *CommandError) Error() string {
	msg := e.Command + ": " + e.Err.Error()
	if e.Stderr != "" {
		msg += ": " + e.Stderr
	}
	return msg
}

// Unwrap gives the Runner's error, so a cancelled context stays visible to
// errors.Is(err, context.Canceled).
func (e *CommandError) Unwrap() error { return e.Err }

// exitedWith reports whether err is the command exiting on its own with code.
func exitedWith(err error, code int) bool {
	var ee *exec.ExitError
	return errors.As(err, &ee) && ee.ExitCode() == code
}

// lastLines returns the last n non-blank lines of b, each trimmed of
// trailing space, joined by newlines.
func lastLines(b []byte, n int) string {
	var lines []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimRight(l, " \t\r"); strings.TrimSpace(l) != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
