package debtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Spec describes a test package. It has no maintainer scripts: dpkg runs
// them chrooted into the root, and a root from NewRoot has no /bin/sh.
type Spec struct {
	Name, Version string
	Arch          string            // default amd64
	Extra         string            // more control lines, e.g. "Depends: x\n"
	Files         map[string]string // path under the root -> content
	// Scripts are maintainer scripts by name (postinst, prerm, ...),
	// written executable into DEBIAN/.
	Scripts map[string]string
}

// Build builds s with dpkg-deb into dir as NAME_VERSION_ARCH.deb and
// returns the .deb's path. Without Files, the package ships
// usr/share/NAME/version holding its version and a newline, so that tests
// can see which version is on disk (ReadRootFile). Files are owned by
// root, mode 0644.
func Build(t testing.TB, dir string, s Spec) string {
	t.Helper()
	path, err := Write(dir, s)
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// Write is Build for callers that are not tests (the demo).
func Write(dir string, s Spec) (string, error) {
	if s.Arch == "" {
		s.Arch = "amd64"
	}
	if s.Files == nil {
		s.Files = map[string]string{"usr/share/" + s.Name + "/version": s.Version + "\n"}
	}
	src, err := os.MkdirTemp(dir, "src-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(src)
	control := fmt.Sprintf("Package: %s\nVersion: %s\nArchitecture: %s\nMaintainer: neco tests <neco@example.com>\nDescription: neco test package\n%s",
		s.Name, s.Version, s.Arch, s.Extra)
	files := map[string]string{"DEBIAN/control": control}
	for p, c := range s.Files {
		files[p] = c
	}
	for p, c := range files {
		if err := writeFile(filepath.Join(src, p), c, 0o644); err != nil {
			return "", err
		}
	}
	for name, c := range s.Scripts {
		if err := writeFile(filepath.Join(src, "DEBIAN", name), c, 0o755); err != nil {
			return "", err
		}
	}
	out := filepath.Join(dir, fmt.Sprintf("%s_%s_%s.deb", s.Name, s.Version, s.Arch))
	if b, err := exec.Command("dpkg-deb", "--root-owner-group", "--build", src, out).CombinedOutput(); err != nil {
		return "", fmt.Errorf("dpkg-deb --build %s: %w\n%s", s.Name, err, b)
	}
	return out, nil
}

func writeFile(path, content string, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		return err
	}
	return os.Chmod(path, mode) // not narrowed by the umask
}
