package units

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// journalTimeout bounds one journalctl run: the journal only decorates an
// error, and a slow journal must not hold the error back.
const journalTimeout = 10 * time.Second

// JournalCtl returns the last lines of unit's journal from
// `journalctl -u UNIT -n LINES --no-pager -o short-iso`, the default
// Options.Journal.
func JournalCtl(ctx context.Context, unit string, lines int) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, journalTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "journalctl", "-u", unit, "-n", strconv.Itoa(lines),
		"--no-pager", "-o", "short-iso")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	// A child that keeps stdout open must not keep Output waiting once
	// journalctl itself was killed.
	cmd.WaitDelay = time.Second
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("journalctl -u %s: %w: %s", unit, err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimRight(string(out), "\n"), nil
}
