//go:build dctest

package harness

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// Logf is where the harness says what it is doing: t.Logf in tests.
type Logf func(format string, args ...any)

// namePrefix starts the name of every network namespace and cgroup a run
// creates; Sweep only ever looks at names with it.
const namePrefix = "dct-"

// lockDir holds one lock file per live run. It is on /run, not in the
// cache, so that runs with different caches still see each other.
const lockDir = "/run/neco-dctest"

// CacheDir is where the rootfs and the runs' directories live:
// $NECO_DCTEST_CACHE, or /var/cache/neco-dctest. It is outside the
// repository and must not be on overlayfs (overlay upper directories and
// containerd's snapshots cannot live there).
func CacheDir() string {
	if d := os.Getenv("NECO_DCTEST_CACHE"); d != "" {
		return d
	}
	return "/var/cache/neco-dctest"
}

// run is one Cluster's claim on its names: an id, a directory, and the
// flock that tells Sweep it is alive.
type run struct {
	id   string
	dir  string
	lock *os.File
}

func runsDir() string { return filepath.Join(CacheDir(), "runs") }

func runDir(id string) string { return filepath.Join(runsDir(), id) }

func lockPath(id string) string { return filepath.Join(lockDir, id+".lock") }

// keepPath marks a run kept for debugging (NECO_DCTEST_KEEP): see Sweep.
func keepPath(id string) string { return filepath.Join(lockDir, id+".keep") }

// newRun picks a fresh id, locks it and makes its directory. It holds the
// registry lock meanwhile, so a concurrent Sweep sees either no trace of
// the run or a locked one, never an unlocked run with resources.
func newRun() (*run, error) {
	unlock, err := lockRegistry()
	if err != nil {
		return nil, err
	}
	defer unlock()
	if err := checkCacheFS(); err != nil {
		return nil, err
	}
	for range 10 {
		id, err := newID()
		if err != nil {
			return nil, err
		}
		f, err := os.OpenFile(lockPath(id), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("run lock: %w", err)
		}
		if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
			f.Close()
			return nil, fmt.Errorf("run lock %s: %w", f.Name(), err)
		}
		r := &run{id: id, dir: runDir(id), lock: f}
		if err := os.MkdirAll(filepath.Join(r.dir, "logs"), 0o755); err != nil {
			r.release()
			return nil, fmt.Errorf("run dir: %w", err)
		}
		return r, nil
	}
	return nil, errors.New("harness: no free run id after 10 tries")
}

// release gives the run's names up: after it, Sweep may remove whatever of
// the run is left.
func (r *run) release() {
	os.Remove(r.lock.Name())
	r.lock.Close()
}

func newID() (string, error) {
	b := make([]byte, 3)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// lockRegistry serialises creating runs against Sweep.
func lockRegistry() (unlock func(), err error) {
	if err := os.MkdirAll(lockDir, 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(lockDir, "registry.lock"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("registry lock: %w", err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("registry lock: %w", err)
	}
	return func() { f.Close() }, nil
}

// checkCacheFS refuses a cache on overlayfs: the servers' overlay upper
// directories and /var/lib/containerd binds live under it.
func checkCacheFS() error {
	if err := os.MkdirAll(runsDir(), 0o755); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	var st unix.Statfs_t
	if err := unix.Statfs(runsDir(), &st); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	if st.Type == unix.OVERLAYFS_SUPER_MAGIC {
		return fmt.Errorf("harness: cache %s is on overlayfs; set NECO_DCTEST_CACHE to a directory on ext4 or xfs", CacheDir())
	}
	return nil
}

// idOf returns the run id in a name made by the run (dct-ID or dct-ID-x),
// or "" for anything else.
func idOf(name string) string {
	rest, ok := strings.CutPrefix(name, namePrefix)
	if !ok {
		return ""
	}
	id, _, _ := strings.Cut(rest, "-")
	if len(id) != 6 {
		return ""
	}
	if _, err := hex.DecodeString(id); err != nil {
		return ""
	}
	return id
}
