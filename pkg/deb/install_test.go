package deb

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/necoship/neco/pkg/deb/debtest"
)

const versionFile = "usr/share/example-site/version"

func TestInstallFresh(t *testing.T) {
	debtest.NeedDpkg(t)
	t.Parallel()
	root, dir := debtest.NewRoot(t), t.TempDir()
	i := newInstaller(t, Options{Root: root})
	deb := debtest.Build(t, dir, debtest.Spec{Name: "example-site", Version: "2026.11.23-1"})

	got, err := i.Install(context.Background(), deb, InstallOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(pkg("example-site", "2026.11.23-1"), got.Package, versionEq); d != "" {
		t.Errorf("Install returned (-want +got):\n%s", d)
	}
	wantInstalled(t, i, "example-site", "2026.11.23-1")
	if c := debtest.ReadRootFile(t, root, versionFile); c != "2026.11.23-1\n" {
		t.Errorf("%s = %q, want the package's file under the root", versionFile, c)
	}
}

// A worker resuming after a crash calls Install again: nothing may run.
func TestInstallSameVersionIsNoop(t *testing.T) {
	debtest.NeedDpkg(t)
	t.Parallel()
	root, dir := debtest.NewRoot(t), t.TempDir()
	rec := &recorder{}
	i := newInstaller(t, Options{Root: root, Run: rec.run})
	deb := debtest.Build(t, dir, debtest.Spec{Name: "example-site", Version: "1.0"})
	ctx := context.Background()

	if _, err := i.Install(ctx, deb, InstallOptions{}); err != nil {
		t.Fatal(err)
	}
	got, err := i.Install(ctx, deb, InstallOptions{AllowDowngrade: true})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(pkg("example-site", "1.0"), got.Package, versionEq); d != "" {
		t.Errorf("second Install returned (-want +got):\n%s", d)
	}
	if n := len(rec.installs()); n != 1 {
		t.Errorf("dpkg -i ran %d times, want once: %q", n, rec.installs())
	}
}

func TestInstallUpgradeAndDowngrade(t *testing.T) {
	debtest.NeedDpkg(t)
	t.Parallel()
	root, dir := debtest.NewRoot(t), t.TempDir()
	rec := &recorder{}
	i := newInstaller(t, Options{Root: root, Run: rec.run})
	v1 := debtest.Build(t, dir, debtest.Spec{Name: "example-site", Version: "2026.11.23-9"})
	v2 := debtest.Build(t, dir, debtest.Spec{Name: "example-site", Version: "2026.11.23-10"})
	ctx := context.Background()

	for _, deb := range []string{v1, v2} {
		if _, err := i.Install(ctx, deb, InstallOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	wantInstalled(t, i, "example-site", "2026.11.23-10")
	if c := debtest.ReadRootFile(t, root, versionFile); c != "2026.11.23-10\n" {
		t.Fatalf("after upgrade %s = %q", versionFile, c)
	}

	_, err := i.Install(ctx, v1, InstallOptions{})
	if !errors.Is(err, ErrDowngrade) {
		t.Fatalf("downgrade: err = %v, want ErrDowngrade", err)
	}
	for _, v := range []string{"2026.11.23-10", "2026.11.23-9"} {
		if !strings.Contains(err.Error(), v) {
			t.Errorf("downgrade error %q does not name %s", err, v)
		}
	}
	if n := len(rec.installs()); n != 2 {
		t.Errorf("dpkg -i ran %d times, want 2 (the refused downgrade must not run it)", n)
	}
	wantInstalled(t, i, "example-site", "2026.11.23-10")
	if c := debtest.ReadRootFile(t, root, versionFile); c != "2026.11.23-10\n" {
		t.Errorf("refused downgrade changed %s to %q", versionFile, c)
	}

	if _, err := i.Install(ctx, v1, InstallOptions{AllowDowngrade: true}); err != nil {
		t.Fatalf("rollback: %v", err)
	}
	wantInstalled(t, i, "example-site", "2026.11.23-9")
	if c := debtest.ReadRootFile(t, root, versionFile); c != "2026.11.23-9\n" {
		t.Errorf("after rollback %s = %q", versionFile, c)
	}
}

// Real dpkg failures: the error wraps ErrDpkg and the class retrying
// cannot fix, says in one line what failed, keeps dpkg's exit code and
// words (CommandError), and the new package is not reported installed.
func TestInstallDpkgFailure(t *testing.T) {
	debtest.NeedDpkg(t)
	t.Parallel()
	site1 := debtest.Spec{Name: "example-site", Version: "1.0"}
	tests := []struct {
		name     string
		before   []debtest.Spec
		deb      debtest.Spec
		class    error
		summary  string // the error after "dpkg -i FILE: "
		stderr   string // in CommandError.Stderr
		siteFile string // content of versionFile afterwards; "" when none
	}{{
		name:    "missing dependency",
		deb:     debtest.Spec{Name: "example-site", Version: "1.0", Extra: "Depends: no-such-package\n"},
		class:   ErrDependency,
		summary: "example-site: example-site depends on no-such-package; however: Package no-such-package is not installed.",
		stderr:  "example-site depends on no-such-package",
	}, {
		name:    "upgrade with a missing dependency",
		before:  []debtest.Spec{site1},
		deb:     debtest.Spec{Name: "example-site", Version: "2.0", Extra: "Depends: no-such-package (>= 3)\n"},
		class:   ErrDependency,
		summary: "example-site: example-site depends on no-such-package (>= 3); however: Package no-such-package is not installed.",
		stderr:  "dependency problems - leaving unconfigured",
	}, {
		name:     "file owned by another package",
		before:   []debtest.Spec{site1},
		deb:      debtest.Spec{Name: "other-site", Version: "1.0", Files: map[string]string{versionFile: "mine\n"}},
		class:    ErrFileConflict,
		summary:  "/" + versionFile + " is also in package example-site",
		stderr:   "trying to overwrite '/" + versionFile + "', which is also in package example-site 1.0",
		siteFile: "1.0\n",
	}, {
		// The test root has no shell: dpkg, chrooted into it, cannot run
		// the script and reports it as failing with status 2, which is
		// what a postinst that fails looks like to the worker too.
		name:    "postinst fails",
		deb:     debtest.Spec{Name: "example-site", Version: "1.0", Scripts: map[string]string{"postinst": "#!/bin/sh\nexit 3\n"}},
		class:   ErrScriptFailed,
		summary: "example-site post-installation script exited 2",
		stderr:  "unable to execute installed example-site package post-installation script",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			root, dir := debtest.NewRoot(t), t.TempDir()
			i := newInstaller(t, Options{Root: root})
			ctx := context.Background()
			for _, s := range tt.before {
				if _, err := i.Install(ctx, debtest.Build(t, dir, s), InstallOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			deb := debtest.Build(t, dir, tt.deb)

			_, err := i.Install(ctx, deb, InstallOptions{})
			if !errors.Is(err, ErrDpkg) || !errors.Is(err, tt.class) {
				t.Fatalf("err = %v, want ErrDpkg and %v", err, tt.class)
			}
			if want := "dpkg -i " + filepath.Base(deb) + ": " + tt.summary; err.Error() != want {
				t.Errorf("err = %q, want %q", err, want)
			}
			var ce *CommandError
			if !errors.As(err, &ce) || ce.ExitCode != 1 || !strings.Contains(ce.Stderr, tt.stderr) {
				t.Fatalf("err = %#v, want a CommandError with exit code 1 and %q in its stderr", err, tt.stderr)
			}
			wantInstalled(t, i, tt.deb.Name, "")
			if tt.siteFile != "" {
				wantInstalled(t, i, "example-site", "1.0")
				if c := debtest.ReadRootFile(t, root, versionFile); c != tt.siteFile {
					t.Errorf("%s = %q, want %q", versionFile, c, tt.siteFile)
				}
			}
		})
	}
}

// A package left unpacked by a failed dpkg is not skipped: once its
// dependency is there it is configured (its files are all unpacked, at the
// .deb's version), and its version on disk still guards against
// downgrades.
func TestInstallRepairsHalfInstalled(t *testing.T) {
	debtest.NeedDpkg(t)
	t.Parallel()
	root, dir := debtest.NewRoot(t), t.TempDir()
	rec := &recorder{}
	i := newInstaller(t, Options{Root: root, Run: rec.run})
	ctx := context.Background()
	site := debtest.Build(t, dir, debtest.Spec{Name: "example-site", Version: "2.0", Extra: "Depends: site-base\n"})
	older := debtest.Build(t, dir, debtest.Spec{Name: "example-site", Version: "1.0"})

	if _, err := i.Install(ctx, site, InstallOptions{}); !errors.Is(err, ErrDpkg) {
		t.Fatalf("first install: err = %v, want ErrDpkg (site-base is missing)", err)
	}
	if _, err := i.Install(ctx, older, InstallOptions{}); !errors.Is(err, ErrDowngrade) {
		t.Errorf("1.0 over an unpacked 2.0: err = %v, want ErrDowngrade", err)
	}
	if _, err := i.Install(ctx, debtest.Build(t, dir, debtest.Spec{Name: "site-base", Version: "1"}), InstallOptions{}); err != nil {
		t.Fatal(err)
	}
	before := len(rec.installs())
	res, err := i.Install(ctx, site, InstallOptions{})
	if err != nil {
		t.Fatalf("repair: %v", err)
	}
	if n := len(rec.installs()) - before; n != 0 {
		t.Errorf("repair ran dpkg -i %d times, want none", n)
	}
	if r := res.Repaired; r == nil || r.Action != RepairConfigure || r.State != "install ok unpacked" {
		t.Errorf("Repaired = %+v, want dpkg --configure of an unpacked package", r)
	}
	wantInstalled(t, i, "example-site", "2.0")
}

// Wrap goes in front of the whole dpkg -i command line, and that command
// line works: nice runs it for real.
func TestInstallWrap(t *testing.T) {
	debtest.NeedDpkg(t)
	t.Parallel()
	root, dir := debtest.NewRoot(t), t.TempDir()
	rec := &recorder{}
	wrap := []string{"nice", "-n", "1", "--"}
	i := newInstaller(t, Options{Root: root, Run: rec.run, Wrap: wrap})
	deb := debtest.Build(t, dir, debtest.Spec{Name: "example-site", Version: "1.0"})

	if _, err := i.Install(context.Background(), deb, InstallOptions{}); err != nil {
		t.Fatal(err)
	}
	want := [][]string{slices.Concat(wrap, []string{
		"/usr/bin/env", "DEBIAN_FRONTEND=noninteractive", "dpkg", "--root=" + root,
		"--force-confdef", "--force-confold", "-i", deb,
	})}
	if d := cmp.Diff(want, rec.installs()); d != "" {
		t.Errorf("dpkg -i command lines (-want +got):\n%s", d)
	}
	wantInstalled(t, i, "example-site", "1.0")
}

// RunInstall runs dpkg -i and nothing else: queries and inspection stay
// on Run. The worker's self-update relies on this split.
func TestInstallRunInstall(t *testing.T) {
	debtest.NeedDpkg(t)
	t.Parallel()
	root, dir := debtest.NewRoot(t), t.TempDir()
	all, installs := &recorder{}, &recorder{}
	i := newInstaller(t, Options{Root: root, Run: all.run, RunInstall: installs.run})
	deb := debtest.Build(t, dir, debtest.Spec{Name: "example-site", Version: "1.0"})

	if _, err := i.Install(context.Background(), deb, InstallOptions{}); err != nil {
		t.Fatal(err)
	}
	if n, m := len(installs.installs()), len(installs.calls); n != 1 || m != 1 {
		t.Errorf("RunInstall ran %d commands, %d of them dpkg -i; want exactly the dpkg -i", m, n)
	}
	// The self-update runs it as a transient unit: systemd takes only an
	// absolute path (pkg/units refuses anything else).
	for _, argv := range installs.calls {
		if !filepath.IsAbs(argv[0]) {
			t.Errorf("RunInstall got %q: its command is not an absolute path", argv)
		}
	}
	if n := len(all.installs()); n != 0 || len(all.calls) == 0 {
		t.Errorf("Run ran %d dpkg -i of %d commands; want none of the installs and every query", n, len(all.calls))
	}
	wantInstalled(t, i, "example-site", "1.0")
}

// A wrapper that exits 0 without dpkg having installed anything (as
// systemd-run without --wait would) is caught by the check after dpkg.
func TestInstallVerifiesAfterSuccess(t *testing.T) {
	debtest.NeedDpkg(t)
	t.Parallel()
	root, dir := debtest.NewRoot(t), t.TempDir()
	rec := &recorder{fake: func(argv []string) bool { return slices.Contains(argv, "-i") }}
	i := newInstaller(t, Options{Root: root, Run: rec.run})
	deb := debtest.Build(t, dir, debtest.Spec{Name: "example-site", Version: "1.0"})

	_, err := i.Install(context.Background(), deb, InstallOptions{})
	if !errors.Is(err, ErrDpkg) {
		t.Fatalf("err = %v, want ErrDpkg", err)
	}
	if want := "exited 0 but example-site is unknown to dpkg"; !strings.Contains(err.Error(), want) {
		t.Errorf("err = %q, want it to contain %q", err, want)
	}
}

// Cancelling ctx kills the dpkg -i command line and everything it started,
// with the default Runner. The wrapper stands in for a slow dpkg.
func TestInstallCancelKillsDpkg(t *testing.T) {
	debtest.NeedDpkg(t)
	t.Parallel()
	root, dir := debtest.NewRoot(t), t.TempDir()
	pidFile := filepath.Join(dir, "child.pid")
	wrap := []string{"sh", "-c", `sleep 60 & echo $! > "$0"; wait`, pidFile}
	i := newInstaller(t, Options{Root: root, Wrap: wrap})
	deb := debtest.Build(t, dir, debtest.Spec{Name: "example-site", Version: "1.0"})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	errc := make(chan error, 1)
	go func() {
		_, err := i.Install(ctx, deb, InstallOptions{})
		errc <- err
	}()
	child := waitForPID(t, pidFile)
	cancel()
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) || !errors.Is(err, ErrDpkg) {
			t.Errorf("err = %v, want context.Canceled and ErrDpkg", err)
		}
	case <-time.After(killGrace + 5*time.Second):
		t.Fatal("Install did not return after cancel")
	}
	if !processGone(child, 5*time.Second) {
		t.Errorf("process %d that the command started survived the cancel", child)
	}
}

func waitForPID(t *testing.T, path string) int {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		b, err := os.ReadFile(path)
		if pid, perr := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && perr == nil {
			return pid
		}
	}
	t.Fatalf("%s never appeared", path)
	return 0
}

// processGone waits until pid no longer runs (gone, or a zombie nobody
// reaped).
func processGone(pid int, wait time.Duration) bool {
	for deadline := time.Now().Add(wait); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
		if err != nil {
			return true
		}
		// stat is "pid (comm) S ...": the state follows the last ')'.
		if s := string(b); strings.HasPrefix(strings.TrimSpace(s[strings.LastIndexByte(s, ')')+1:]), "Z") {
			return true
		}
	}
	return false
}
