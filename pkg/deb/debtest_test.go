package deb

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/necoship/neco/pkg/model"
)

// needDpkg skips the test when the dpkg tools are missing.
func needDpkg(t *testing.T) {
	t.Helper()
	for _, bin := range []string{"dpkg", "dpkg-deb", "dpkg-query"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("%s not found: install the Debian package dpkg", bin)
		}
	}
}

// newRoot makes an empty dpkg root: the database layout dpkg --root needs.
func newRoot(t *testing.T) string {
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

// debSpec describes a test package. It has no maintainer scripts: dpkg
// runs them chrooted into the root, which has no /bin/sh.
type debSpec struct {
	name, version string
	arch          string            // default amd64
	extra         string            // more control lines, e.g. "Depends: x\n"
	files         map[string]string // path under the root -> content
}

// buildDeb builds spec with dpkg-deb into dir and returns the .deb's path.
// Without files, the package ships usr/share/NAME/version holding its
// version, so tests can see which version is on disk.
func buildDeb(t *testing.T, dir string, spec debSpec) string {
	t.Helper()
	if spec.arch == "" {
		spec.arch = "amd64"
	}
	if spec.files == nil {
		spec.files = map[string]string{"usr/share/" + spec.name + "/version": spec.version + "\n"}
	}
	src, err := os.MkdirTemp(dir, "src-")
	if err != nil {
		t.Fatal(err)
	}
	control := fmt.Sprintf("Package: %s\nVersion: %s\nArchitecture: %s\nMaintainer: neco tests <neco@example.com>\nDescription: neco test package\n%s",
		spec.name, spec.version, spec.arch, spec.extra)
	files := map[string]string{"DEBIAN/control": control}
	for p, c := range spec.files {
		files[p] = c
	}
	for p, c := range files {
		full := filepath.Join(src, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(dir, fmt.Sprintf("%s_%s_%s.deb", spec.name, spec.version, spec.arch))
	if b, err := exec.Command("dpkg-deb", "--root-owner-group", "--build", src, out).CombinedOutput(); err != nil {
		t.Fatalf("dpkg-deb --build %s: %v\n%s", spec.name, err, b)
	}
	return out
}

// recorder is a Runner that records every argv and runs it for real,
// unless fake is set and returns true for it.
type recorder struct {
	mu    sync.Mutex
	calls [][]string
	fake  func(argv []string) bool
}

func (r *recorder) run(ctx context.Context, argv []string) ([]byte, []byte, error) {
	r.mu.Lock()
	r.calls = append(r.calls, slices.Clone(argv))
	r.mu.Unlock()
	if r.fake != nil && r.fake(argv) {
		return nil, nil, nil
	}
	return Exec(ctx, argv)
}

// installs returns the recorded dpkg -i command lines.
func (r *recorder) installs() [][]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out [][]string
	for _, c := range r.calls {
		if slices.Contains(c, "-i") {
			out = append(out, c)
		}
	}
	return out
}

func newInstaller(t *testing.T, o Options) *Installer {
	t.Helper()
	i, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return i
}

// versionEq lets go-cmp compare model.Version, which has unexported fields.
var versionEq = cmp.Comparer(func(a, b model.Version) bool { return a.String() == b.String() })

func pkg(name, version string) Package {
	return Package{Name: name, Version: model.MustParseVersion(version), Architecture: "amd64"}
}

// wantInstalled fails unless Installed reports name at version (or not at
// all, for version "").
func wantInstalled(t *testing.T, i *Installer, name, version string) {
	t.Helper()
	v, ok, err := i.Installed(context.Background(), name)
	if err != nil {
		t.Fatalf("Installed(%s): %v", name, err)
	}
	if got := map[bool]string{true: v.String(), false: ""}[ok]; got != version {
		t.Errorf("Installed(%s) = %q, %v; want %q", name, v, ok, version)
	}
}

// readRootFile returns the content of rel under root, or "" when missing.
func readRootFile(t *testing.T, root, rel string) string {
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
