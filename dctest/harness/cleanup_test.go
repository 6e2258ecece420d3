//go:build dctest

package harness

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// failingT makes a passing test look failed to New's cleanup, which is
// what changes on failure: logs are kept, and NECO_DCTEST_KEEP applies.
type failingT struct{ *testing.T }

func (failingT) Failed() bool { return true }

func TestFailedRunKeepsLogs(t *testing.T) {
	var c *Cluster
	// Registered first, so it runs after New's cleanup.
	t.Cleanup(func() {
		if c == nil {
			return // New failed
		}
		if left := leftovers(c.ID); len(left) > 0 {
			t.Errorf("left after a failed test: %v", left)
		}
		logs := failedLogsDir(c.ID)
		defer os.RemoveAll(logs)
		for _, f := range []string{"boot-0.console", "boot-0.journal"} {
			b, err := os.ReadFile(filepath.Join(logs, f))
			if err != nil || len(b) == 0 {
				t.Errorf("%s not kept: %v", f, err)
			}
		}
	})
	c = New(failingT{t}, Options{Servers: 1, NoEtcd: true})
}

func TestKeptRunSurvivesUntilSweptWithoutKeep(t *testing.T) {
	t.Setenv("NECO_DCTEST_KEEP", "1")
	var c *Cluster
	t.Cleanup(func() {
		if c == nil {
			return
		}
		// t.Context() is done by now.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		out, err := exec.Command(c.Servers[0].Shell(), "hostname").CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != "boot-0" {
			t.Errorf("shell script in the kept run: %q (%v)", out, err)
		}
		if err := Sweep(ctx, t.Logf); err != nil {
			t.Error(err)
		}
		if !c.Servers[0].Running() || len(leftovers(c.ID)) == 0 {
			t.Error("a Sweep with NECO_DCTEST_KEEP removed the kept run")
		}
		os.Unsetenv("NECO_DCTEST_KEEP")
		if err := Sweep(ctx, t.Logf); err != nil {
			t.Error(err)
		}
		if left := leftovers(c.ID); len(left) > 0 {
			t.Errorf("left after the Sweep without NECO_DCTEST_KEEP: %v", left)
		}
		if _, err := os.Stat(keepPath(c.ID)); err == nil {
			t.Error("keep file left")
		}
	})
	c = New(failingT{t}, Options{Servers: 1, NoEtcd: true})
}
