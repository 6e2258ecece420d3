package deb

import (
	"context"
	"errors"
	"io/fs"
	"os/exec"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/necoship/neco/pkg/deb/debtest"
)

func TestInstalledUnknownPackage(t *testing.T) {
	debtest.NeedDpkg(t)
	t.Parallel()
	i := newInstaller(t, Options{Root: debtest.NewRoot(t)})
	v, ok, err := i.Installed(context.Background(), "example-site")
	if err != nil || ok || !v.IsZero() {
		t.Errorf("Installed = %q, %v, %v; want not installed, no error", v, ok, err)
	}
}

// A root without a dpkg database is an error, not "nothing installed"
// (dpkg-query alone says "no packages found" there).
func TestInstalledMissingDatabase(t *testing.T) {
	debtest.NeedDpkg(t)
	t.Parallel()
	i := newInstaller(t, Options{Root: t.TempDir()})
	_, _, err := i.Installed(context.Background(), "example-site")
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "dpkg database") {
		t.Errorf("err = %v, want a missing dpkg database", err)
	}
}

func TestInstalledRejectsBadNames(t *testing.T) {
	rec := &recorder{}
	i := newInstaller(t, Options{Root: t.TempDir(), Run: rec.run})
	for _, name := range []string{"", "-a", "ex*", "Example"} {
		if _, _, err := i.Installed(context.Background(), name); err == nil || !strings.Contains(err.Error(), "package name") {
			t.Errorf("Installed(%q) err = %v, want a package name error", name, err)
		}
	}
	if len(rec.calls) != 0 {
		t.Errorf("ran %q for bad names", rec.calls)
	}
}

// hold is a selection for apt, not a state: a held package is installed and
// Install leaves it alone.
func TestInstalledCountsHeldPackage(t *testing.T) {
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
	hold := exec.Command("dpkg", "--root="+root, "--set-selections")
	hold.Stdin = strings.NewReader("example-site hold\n")
	if out, err := hold.CombinedOutput(); err != nil {
		t.Fatalf("dpkg --set-selections: %v\n%s", err, out)
	}

	wantInstalled(t, i, "example-site", "1.0")
	if _, err := i.Install(ctx, deb, InstallOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := len(rec.installs()); n != 1 {
		t.Errorf("dpkg -i ran %d times, want once", n)
	}
}

func TestParseRecord(t *testing.T) {
	type state struct{ Installed, OnDisk bool }
	tests := []struct {
		out     string
		want    state
		wantErr string
	}{
		{out: "install ok installed\t1.0\n", want: state{true, true}},
		{out: "hold ok installed\t1.0\n", want: state{true, true}},
		{out: "deinstall ok installed\t1.0\n", want: state{true, true}},
		{out: "install ok unpacked\t2.0\n", want: state{false, true}},
		{out: "install ok half-configured\t2.0\n", want: state{false, true}},
		{out: "install reinstreq half-installed\t2.0\n", want: state{false, true}},
		{out: "install ok triggers-pending\t2.0\n", want: state{false, true}},
		{out: "install ok not-installed\t\n", want: state{false, false}},
		{out: "deinstall ok config-files\t1.0\n", want: state{false, false}},
		{out: "", wantErr: "unexpected dpkg-query output"},
		{out: "install ok\t1.0\n", wantErr: "unexpected dpkg-query output"},
		{out: "install ok installed 1.0\n", wantErr: "unexpected dpkg-query output"},
		{out: "install ok installed\t1.0\ninstall ok installed\t1.0\n", wantErr: "several instances"},
	}
	for _, tt := range tests {
		r, err := parseRecord(tt.out)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("parseRecord(%q) err = %v, want %q", tt.out, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseRecord(%q): %v", tt.out, err)
			continue
		}
		if d := cmp.Diff(tt.want, state{r.installed(), r.onDisk()}); d != "" {
			t.Errorf("parseRecord(%q) (-want +got):\n%s", tt.out, d)
		}
	}
}
