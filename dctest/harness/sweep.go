//go:build dctest

package harness

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// keptFailedLogs is how many failed runs' logs stay in the cache's failed/.
const keptFailedLogs = 10

// Main sweeps the leftovers of dead runs, then runs the tests:
//
//	func TestMain(m *testing.M) { os.Exit(harness.Main(m)) }
func Main(m *testing.M) int {
	if os.Geteuid() == 0 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		err := Sweep(ctx, func(format string, args ...any) {
			fmt.Fprintf(os.Stderr, "harness: "+format+"\n", args...)
		})
		cancel()
		if err != nil {
			fmt.Fprintln(os.Stderr, "harness: sweep:", err)
		}
	}
	return m.Run()
}

// Sweep removes what runs left behind when their process died without
// cleaning up: processes, mounts, cgroups, network namespaces and
// directories named after a run id whose lock nobody holds. Live runs (of
// any process) are never touched, nor a detached one (the demo's), nor is a run kept with NECO_DCTEST_KEEP
// while the sweeping process has NECO_DCTEST_KEEP set too.
func Sweep(ctx context.Context, log Logf) error {
	unlock, err := lockRegistry()
	if err != nil {
		return err
	}
	defer unlock()
	ids, err := knownRuns()
	if err != nil {
		return err
	}
	keepKept := os.Getenv("NECO_DCTEST_KEEP") != ""
	var errs []error
	for _, id := range ids {
		if alive(id) {
			continue
		}
		if _, err := os.Stat(detachedPath(id)); err == nil {
			continue // the demo's: make demo-down removes it
		}
		if _, err := os.Stat(keepPath(id)); err == nil && keepKept {
			log("run %s was kept (NECO_DCTEST_KEEP): leaving it", id)
			continue
		}
		log("removing the leftovers of run %s", id)
		if err := teardown(ctx, id, false, log); err != nil {
			errs = append(errs, err)
			continue
		}
		os.Remove(lockPath(id))
		os.Remove(keepPath(id))
	}
	pruneFailedLogs()
	return errors.Join(errs...)
}

// knownRuns lists every run id with a trace on this machine: a lock or
// keep file, a directory in this cache, a network namespace, a cgroup.
func knownRuns() ([]string, error) {
	var names []string
	for _, dir := range []string{lockDir, runsDir()} {
		ents, err := os.ReadDir(dir)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		for _, e := range ents {
			base, _, _ := strings.Cut(e.Name(), ".") // ID.lock, ID.keep, ID.detached
			names = append(names, namePrefix+base)
		}
	}
	ns, err := runNamespaces()
	if err != nil {
		return nil, err
	}
	cgs, err := runCgroups()
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, n := range slices.Concat(names, ns, cgs) {
		if id := idOf(n); id != "" && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// alive reports whether some process holds run id's lock.
func alive(id string) bool {
	f, err := os.Open(lockPath(id))
	if err != nil {
		return false
	}
	defer f.Close()
	return errors.Is(unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB), unix.EWOULDBLOCK)
}

// teardown removes everything of run id, in the order that lets each step
// work: kill (so nothing holds mounts or namespaces), unmount deepest
// first, remove cgroups deepest first, delete the namespaces, remove the
// directory (with keepLogs its logs/ moves to failed/ID first).
func teardown(ctx context.Context, id string, keepLogs bool, log Logf) error {
	cg := cgroup(namePrefix + id)
	errs := []error{cg.kill(30 * time.Second)}
	killed, err := killNamespaces(id)
	if len(killed) > 0 {
		log("run %s: killed processes outside its cgroups: %v", id, killed)
	}
	errs = append(errs, err)
	dir := runDir(id)
	errs = append(errs, unmountUnder(dir), cg.remove(), deleteNamespaces(ctx, id))
	if keepLogs {
		if err := os.MkdirAll(filepath.Dir(failedLogsDir(id)), 0o755); err == nil {
			errs = append(errs, os.Rename(filepath.Join(dir, "logs"), failedLogsDir(id)))
		}
	}
	errs = append(errs, removeAllUnmounted(dir))
	return errors.Join(errs...)
}

// leftovers lists what of run id is still on the machine.
func leftovers(id string) []string {
	var left []string
	if ns, _ := runNamespaces(); len(ns) > 0 {
		for _, n := range ns {
			if idOf(n) == id {
				left = append(left, "netns "+n)
			}
		}
	}
	if points, _ := mountsUnder(runDir(id)); len(points) > 0 {
		left = append(left, "mounts "+strings.Join(points, " "))
	}
	if cgs, _ := runCgroups(); slices.Contains(cgs, namePrefix+id) {
		left = append(left, "cgroup "+namePrefix+id)
	}
	if _, err := os.Stat(runDir(id)); err == nil {
		left = append(left, "directory "+runDir(id))
	}
	return left
}

func failedLogsDir(id string) string { return filepath.Join(CacheDir(), "failed", id) }

// pruneFailedLogs keeps the logs of the newest keptFailedLogs failed runs.
func pruneFailedLogs() {
	dir := filepath.Join(CacheDir(), "failed")
	ents, err := os.ReadDir(dir)
	if err != nil || len(ents) <= keptFailedLogs {
		return
	}
	mtime := func(e fs.DirEntry) time.Time {
		info, err := e.Info()
		if err != nil {
			return time.Time{}
		}
		return info.ModTime()
	}
	slices.SortFunc(ents, func(a, b fs.DirEntry) int { return mtime(b).Compare(mtime(a)) })
	for _, e := range ents[keptFailedLogs:] {
		os.RemoveAll(filepath.Join(dir, e.Name()))
	}
}
