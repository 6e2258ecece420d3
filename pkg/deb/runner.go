package deb

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// Runner runs argv and returns what it wrote to stdout and stderr. A command
// that exits non-zero must be reported as an *exec.ExitError (or an error
// wrapping one): Installed tells "no such package" (dpkg-query exit 1) from
// a broken query by it. Tests and the worker's self-update replace it.
type Runner func(ctx context.Context, argv []string) (stdout, stderr []byte, err error)

// outputLimit bounds what Exec keeps of each stream: the end of dpkg's
// output is where its errors are, and a chatty maintainer script must not
// grow the worker without bound.
const outputLimit = 64 << 10

// killGrace bounds how long Exec waits, after killing the command, for
// anything that escaped its process group to close the output pipes.
const killGrace = 5 * time.Second

// Exec is the default Runner: os/exec with stdin from /dev/null and the last
// 64 KiB of stdout and stderr kept. The command runs in its own process
// group, and a done ctx kills the whole group with SIGKILL, so maintainer
// scripts dpkg started die with it rather than outliving the caller.
func Exec(ctx context.Context, argv []string) ([]byte, []byte, error) {
	if len(argv) == 0 {
		return nil, nil, errors.New("run: empty command")
	}
	var stdout, stderr tailBuffer
	stdout.limit, stderr.limit = outputLimit, outputLimit
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		// The group id is the leader's pid; it cannot be reused while any
		// member lives. ESRCH: everyone already exited.
		err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		if errors.Is(err, syscall.ESRCH) {
			return os.ErrProcessDone
		}
		return err
	}
	cmd.WaitDelay = killGrace
	err := cmd.Run()
	if err != nil && ctx.Err() != nil {
		err = fmt.Errorf("%w (%w)", context.Cause(ctx), err)
	}
	return stdout.Bytes(), stderr.Bytes(), err
}

// tailBuffer is an io.Writer keeping only the last limit bytes written.
type tailBuffer struct {
	limit int
	buf   []byte
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	if len(p) >= b.limit {
		b.buf = append(b.buf[:0], p[len(p)-b.limit:]...)
		return len(p), nil
	}
	b.buf = append(b.buf, p...)
	// Trim only past twice the limit, so that copying stays amortized O(1)
	// per byte.
	if len(b.buf) > 2*b.limit {
		b.buf = append(b.buf[:0], b.buf[len(b.buf)-b.limit:]...)
	}
	return len(p), nil
}

// Bytes returns the last limit bytes written.
func (b *tailBuffer) Bytes() []byte {
	if len(b.buf) > b.limit {
		return b.buf[len(b.buf)-b.limit:]
	}
	return b.buf
}
