package units

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// outputTail is how much of a failing command's output an error quotes:
// its end, where the reason usually is.
const outputTail = 1024

// CheckExec runs argv every second until it exits 0, or fails with
// ErrUnhealthy quoting the end of the last run's output once timeout has
// passed. A run that takes longer than 10 seconds is killed and counts as
// a failure.
func CheckExec(ctx context.Context, argv []string, timeout time.Duration) error {
	if len(argv) == 0 || argv[0] == "" {
		return errors.New("health exec: empty command")
	}
	err := retryCheck(ctx, timeout, func(ctx context.Context) error {
		return execOnce(ctx, argv)
	})
	if err != nil {
		return fmt.Errorf("health exec %s: %w", argv[0], err)
	}
	return nil
}

// RunCommand runs argv once and fails quoting the end of its output, as a
// health check attempt does. The worker runs once-steps with it; ctx ending
// kills the command.
func RunCommand(ctx context.Context, argv []string) error {
	if len(argv) == 0 || argv[0] == "" {
		return errors.New("run: empty command")
	}
	if err := execOnce(ctx, argv); err != nil {
		return fmt.Errorf("run %s: %w", argv[0], err)
	}
	return nil
}

func execOnce(ctx context.Context, argv []string) error {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	out := &tailBuffer{max: outputTail}
	cmd.Stdout = out
	cmd.Stderr = out
	// A background child holding the output open must not keep Wait
	// waiting after the command itself has ended or been killed.
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	if err == nil {
		return nil
	}
	if tail := strings.TrimSpace(out.String()); tail != "" {
		return fmt.Errorf("%w; output: %q", err, tail)
	}
	return err
}

// tailBuffer keeps the last max bytes written to it, so that a chatty
// command costs bounded memory.
type tailBuffer struct {
	max  int
	buf  []byte
	lost bool
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
		t.lost = true
	}
	return len(p), nil
}

// String is the kept output, prefixed with "..." when the start was lost.
func (t *tailBuffer) String() string {
	if t.lost {
		return "..." + string(t.buf)
	}
	return string(t.buf)
}
