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
