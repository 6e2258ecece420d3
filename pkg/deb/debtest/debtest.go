// Package debtest builds real .deb files with dpkg-deb and makes throwaway
// dpkg roots for tests.
//
// A root is a temp dir holding an empty dpkg database, for dpkg --root
// (deb.Options.Root): tests install packages there for real without
// touching the host's dpkg. Only _test.go files import it; it is a normal
// package so that the tests of other packages (the worker's) build and
// install the same packages as pkg/deb does. It runs dpkg-deb itself and
// does not import pkg/deb, which is the only package that installs.
package debtest

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// NeedDpkg skips t when the dpkg tools are missing.
func NeedDpkg(t testing.TB) {
	t.Helper()
	for _, bin := range []string{"dpkg", "dpkg-deb", "dpkg-query"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("%s not found: install the Debian package dpkg", bin)
		}
	}
}

// NewRoot makes an empty dpkg root in a temp dir of t: the database
// layout dpkg --root needs, with nothing installed.
func NewRoot(t testing.TB) string {
	t.Helper()
	root := t.TempDir()
	db := filepath.Join(root, "var/lib/dpkg")
	for _, d := range []string{"info", "updates", "triggers"} {
		if err := os.MkdirAll(filepath.Join(db, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"status", "available"} {
		if err := os.WriteFile(filepath.Join(db, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// ReadRootFile returns the content of rel (a path under the root, e.g.
// "usr/share/NAME/version") under root, or "" when it is missing: what a
// test reads to see which package version is on disk.
func ReadRootFile(t testing.TB, root, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, rel))
	if os.IsNotExist(err) {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// shellTools are the commands a root from NewShellRoot has, all busybox.
var shellTools = []string{"sh", "sleep", "cat", "touch", "rm", "mkdir", "echo", "test", "["}

// NewShellRoot is NewRoot with a shell: a static busybox as /bin/sh and
// a few tools, so that maintainer scripts run (dpkg runs them chrooted
// into the root). It skips t without Debian's busybox-static.
func NewShellRoot(t testing.TB) string {
	t.Helper()
	const busybox = "/bin/busybox"
	if !static(busybox) {
		t.Skipf("%s is not a static busybox: install the Debian package busybox-static", busybox)
	}
	root := NewRoot(t)
	bin := filepath.Join(root, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(busybox)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "busybox"), b, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tool := range shellTools {
		if err := os.Symlink("busybox", filepath.Join(bin, tool)); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// static reports whether path is an ELF executable without an
// interpreter: one that runs in a chroot holding nothing else.
func static(path string) bool {
	f, err := elf.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return false
		}
	}
	return true
}
