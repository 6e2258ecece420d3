//go:build dctest

package harness

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// The cgroups of a run: dct-ID/boot-N for each server's nspawn and
// dct-ID/host for host services, in every hierarchy nspawn looks at.
// systemd-nspawn makes "payload" and "supervisor" below the cgroup it
// starts in, so two nspawns started in the same cgroup (the host's root
// here) collide; each gets its own.

const cgroupFS = "/sys/fs/cgroup"

// cgroupRoots returns the hierarchies to create cgroups in and the cgroup2
// one among them (for cgroup.kill and cgroup.events): the named systemd v1
// hierarchy and /sys/fs/cgroup/unified on a hybrid host, /sys/fs/cgroup on
// a pure v2 host.
func cgroupRoots() (roots []string, unified string, err error) {
	var st unix.Statfs_t
	if err := unix.Statfs(cgroupFS, &st); err != nil {
		return nil, "", fmt.Errorf("cgroups: %w", err)
	}
	if st.Type == unix.CGROUP2_SUPER_MAGIC {
		return []string{cgroupFS}, cgroupFS, nil
	}
	if err := unix.Statfs(filepath.Join(cgroupFS, "unified"), &st); err != nil || st.Type != unix.CGROUP2_SUPER_MAGIC {
		return nil, "", errors.New("harness: no cgroup2 hierarchy at /sys/fs/cgroup or /sys/fs/cgroup/unified")
	}
	unified = filepath.Join(cgroupFS, "unified")
	roots = []string{unified}
	if err := unix.Statfs(filepath.Join(cgroupFS, "systemd"), &st); err == nil && st.Type == unix.CGROUP_SUPER_MAGIC {
		roots = append(roots, filepath.Join(cgroupFS, "systemd"))
	}
	return roots, unified, nil
}

// cgroup is a cgroup path relative to the hierarchies' roots.
type cgroup string

func (c cgroup) create() error {
	roots, _, err := cgroupRoots()
	if err != nil {
		return err
	}
	for _, r := range roots {
		if err := os.MkdirAll(filepath.Join(r, string(c)), 0o755); err != nil {
			return fmt.Errorf("cgroup: %w", err)
		}
	}
	return nil
}

// wrap returns argv run by a shell that first moves itself into the cgroup
// in every hierarchy, then execs argv: so argv starts inside it.
func (c cgroup) wrap(argv []string) ([]string, error) {
	roots, _, err := cgroupRoots()
	if err != nil {
		return nil, err
	}
	w := []string{"/bin/sh", "-c",
		`while [ "$1" != -- ]; do echo $$ > "$1" || exit 125; shift; done; shift; exec "$@"`, "sh"}
	for _, r := range roots {
		w = append(w, filepath.Join(r, string(c), "cgroup.procs"))
	}
	return append(append(w, "--"), argv...), nil
}

// kill SIGKILLs every process in the cgroup and below, and waits (up to
// timeout) until the kernel reports it empty.
func (c cgroup) kill(timeout time.Duration) error {
	_, unified, err := cgroupRoots()
	if err != nil {
		return err
	}
	dir := filepath.Join(unified, string(c))
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err := os.WriteFile(filepath.Join(dir, "cgroup.kill"), []byte("1"), 0); err != nil {
		return fmt.Errorf("cgroup kill %s: %w", c, err)
	}
	deadline := time.Now().Add(timeout)
	for {
		ev, err := os.ReadFile(filepath.Join(dir, "cgroup.events"))
		if err != nil || strings.Contains(string(ev), "populated 0") {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("harness: cgroup %s not empty %v after kill", c, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// remove deletes the cgroup and everything below it, deepest first, in
// every hierarchy. A cgroup that still has processes stays (EBUSY).
func (c cgroup) remove() error {
	roots, _, err := cgroupRoots()
	if err != nil {
		return err
	}
	var errs []error
	for _, r := range roots {
		var dirs []string
		top := filepath.Join(r, string(c))
		filepath.WalkDir(top, func(path string, d fs.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				dirs = append(dirs, path)
			}
			return nil
		})
		slices.Reverse(dirs) // WalkDir lists parents before children
		for _, d := range dirs {
			if err := unix.Rmdir(d); err != nil && !errors.Is(err, unix.ENOENT) {
				errs = append(errs, fmt.Errorf("rmdir %s: %w", d, err))
			}
		}
	}
	return errors.Join(errs...)
}

// runCgroups lists the top cgroups (dct-ID) present in any hierarchy.
func runCgroups() ([]string, error) {
	roots, _, err := cgroupRoots()
	if err != nil {
		return nil, err
	}
	var names []string
	for _, r := range roots {
		ents, err := os.ReadDir(r)
		if err != nil {
			return nil, err
		}
		for _, e := range ents {
			if e.IsDir() && idOf(e.Name()) != "" && !slices.Contains(names, e.Name()) {
				names = append(names, e.Name())
			}
		}
	}
	return names, nil
}

// command is command(ctx, argv) started inside the cgroup.
func (c cgroup) command(ctx context.Context, argv []string) (*exec.Cmd, error) {
	w, err := c.wrap(argv)
	if err != nil {
		return nil, err
	}
	return command(ctx, w), nil
}
