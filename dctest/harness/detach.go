//go:build dctest

package harness

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// detachedPath marks a run left running on purpose by Detach (the demo):
// Sweep never removes it; Down does.
func detachedPath(id string) string { return filepath.Join(lockDir, id+".detached") }

// Detach leaves the cluster running after this process exits: its
// servers and host services are not children that die with it (they run
// in the run's cgroups, in process groups of their own). Sweep leaves a
// detached run alone; Down(id) removes it. After Detach, Close does
// nothing.
func (c *Cluster) Detach() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return errors.New("harness: detach: cluster already closed")
	}
	if err := os.WriteFile(detachedPath(c.ID), nil, 0o644); err != nil {
		return fmt.Errorf("harness: detach: %w", err)
	}
	c.closed = true
	c.run.release()
	return nil
}

// Down removes a detached run (or any dead run) and everything of it:
// processes, mounts, cgroups, namespaces, its directory. It refuses a run
// whose process is alive: that one cleans up after itself.
func Down(ctx context.Context, id string, log Logf) error {
	unlock, err := lockRegistry()
	if err != nil {
		return err
	}
	defer unlock()
	if alive(id) {
		return fmt.Errorf("harness: run %s is alive (its test is running); it removes itself", id)
	}
	if err := teardown(ctx, id, false, log); err != nil {
		return err
	}
	for _, p := range []string{lockPath(id), keepPath(id), detachedPath(id)} {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	if left := leftovers(id); len(left) > 0 {
		return fmt.Errorf("harness: run %s left: %v", id, left)
	}
	return nil
}

// AttachNetwork is the network of the detached run id, for a process
// that did not start it: DialContext reaches its servers and host
// services.
func AttachNetwork(id string) (*Network, error) {
	nw := &Network{id: id}
	if _, err := os.Stat(netnsPath(nw.BridgeNamespace())); err != nil {
		return nil, fmt.Errorf("harness: run %s: %w", id, err)
	}
	return nw, nil
}

// ShellPath is the script that runs a shell, or a command, in the boot
// server of LRN lrn of run id (Server.Shell).
func ShellPath(id string, lrn int) string {
	return filepath.Join(runDir(id), "shell-boot-"+strconv.Itoa(lrn))
}
