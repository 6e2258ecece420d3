package debtest

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A built package carries the spec's control fields and files, and
// installs into a fresh root with the real dpkg.
func TestBuildInstallsIntoRoot(t *testing.T) {
	NeedDpkg(t)
	t.Parallel()
	dir, root := t.TempDir(), NewRoot(t)
	deb := Build(t, dir, Spec{Name: "example-site", Version: "1.0~rc1"})
	if want := filepath.Join(dir, "example-site_1.0~rc1_amd64.deb"); deb != want {
		t.Errorf("Build = %q, want %q", deb, want)
	}
	if got := run(t, "dpkg-deb", "--show", "--showformat=${Package} ${Version} ${Architecture}", deb); got != "example-site 1.0~rc1 amd64" {
		t.Errorf("control fields %q", got)
	}

	run(t, "dpkg", "--root="+root, "-i", deb)
	if got := run(t, "dpkg-query", "--root="+root, "-W", "-f=${Status} ${Version}", "example-site"); got != "install ok installed 1.0~rc1" {
		t.Errorf("dpkg-query says %q", got)
	}
	if got := ReadRootFile(t, root, "usr/share/example-site/version"); got != "1.0~rc1\n" {
		t.Errorf("version file = %q", got)
	}
	if got := ReadRootFile(t, root, "usr/share/example-site/nothing"); got != "" {
		t.Errorf("missing file read as %q", got)
	}
}

// Files replace the version file; Arch and Extra reach the control file.
func TestBuildSpecFields(t *testing.T) {
	NeedDpkg(t)
	t.Parallel()
	deb := Build(t, t.TempDir(), Spec{
		Name: "other-site", Version: "2", Arch: "all",
		Extra: "Depends: example-site (>= 1)\n",
		Files: map[string]string{"etc/other/a.conf": "a\n"},
	})
	if got := run(t, "dpkg-deb", "--show", "--showformat=${Architecture}|${Depends}", deb); got != "all|example-site (>= 1)" {
		t.Errorf("control fields %q", got)
	}
	contents := run(t, "dpkg-deb", "--contents", deb)
	if !strings.Contains(contents, "root/root") || !strings.Contains(contents, "./etc/other/a.conf") {
		t.Errorf("contents lack a root-owned etc/other/a.conf:\n%s", contents)
	}
	if strings.Contains(contents, "usr/share/other-site/version") {
		t.Errorf("contents hold the default version file besides Files:\n%s", contents)
	}
}

func run(t *testing.T, argv ...string) string {
	t.Helper()
	out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}
