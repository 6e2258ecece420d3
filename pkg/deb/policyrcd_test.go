package deb

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/necoship/neco/pkg/deb/debtest"
)

// askPolicy is a postinst doing what deb-systemd-invoke and invoke-rc.d
// do before they restart a unit: ask policy-rc.d, and act only when it
// allows (0, or no policy-rc.d at all). It writes the answer to /answer.
const askPolicy = `#!/bin/sh
if [ -x /usr/sbin/policy-rc.d ]; then /usr/sbin/policy-rc.d example.service restart; echo $? > /answer; else echo none > /answer; fi
`

// adminPolicy is an admin's own policy-rc.d, allowing everything.
const adminPolicy = "#!/bin/sh\n# the admin's\nexit 0\n"

// writeAdminPolicy puts adminPolicy in root, mode 0700 and an old mtime,
// and returns what must come back.
func writeAdminPolicy(t *testing.T, root string) os.FileInfo {
	t.Helper()
	p := filepath.Join(root, policyPath)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(adminPolicy), 0o700); err != nil {
		t.Fatal(err)
	}
	old := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := os.Chtimes(p, old, old); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi
}

// wantAdminPolicy fails unless root's policy-rc.d is the admin's, as it
// was (content, mode, mtime), and nothing of the guard is left beside it.
func wantAdminPolicy(t *testing.T, root string, was os.FileInfo) {
	t.Helper()
	p := filepath.Join(root, policyPath)
	fi, err := os.Lstat(p)
	if err != nil {
		t.Fatalf("the admin's policy-rc.d is gone: %v", err)
	}
	if c := debtest.ReadRootFile(t, root, policyPath); c != adminPolicy {
		t.Errorf("policy-rc.d is %q, want the admin's %q", c, adminPolicy)
	}
	if fi.Mode() != was.Mode() || !fi.ModTime().Equal(was.ModTime()) || !os.SameFile(fi, was) {
		t.Errorf("policy-rc.d is %v %v, want the admin's very file, %v %v", fi.Mode(), fi.ModTime(), was.Mode(), was.ModTime())
	}
	wantNoGuardFiles(t, root)
}

// wantNoGuardFiles fails if a file of the guard is left in root.
func wantNoGuardFiles(t *testing.T, root string) {
	t.Helper()
	for _, rel := range []string{policySaved, policyTemp, deniedLog} {
		if _, err := os.Lstat(filepath.Join(root, rel)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s is left in the root (%v)", rel, err)
		}
	}
}

// With DenyServiceActions, a maintainer script asking policy-rc.d is
// denied (101) and Install says what it denied; afterwards the root is as
// before: no policy-rc.d, or the admin's own, untouched. Without it the
// same script is allowed: the guard is what denies.
func TestInstallDeniesServiceActions(t *testing.T) {
	debtest.NeedDpkg(t)
	t.Parallel()
	tests := []struct {
		name       string
		deny       bool
		admin      bool
		wantAnswer string
	}{
		{"guard, no policy-rc.d before", true, false, "101"},
		{"guard over the admin's policy-rc.d", true, true, "101"},
		{"no guard", false, false, "none"},
		{"no guard, the admin's policy-rc.d", false, true, "0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			root, dir := debtest.NewShellRoot(t), t.TempDir()
			var was os.FileInfo
			if tt.admin {
				was = writeAdminPolicy(t, root)
			}
			i := newInstaller(t, Options{Root: root, DenyServiceActions: tt.deny})
			deb := debtest.Build(t, dir, debtest.Spec{Name: "example-site", Version: "1.0", Scripts: map[string]string{"postinst": askPolicy}})

			res, err := i.Install(context.Background(), deb, InstallOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.TrimSpace(debtest.ReadRootFile(t, root, "answer")); got != tt.wantAnswer {
				t.Errorf("the postinst's policy-rc.d answered %q, want %q", got, tt.wantAnswer)
			}
			var wantDenied []string
			if tt.deny {
				wantDenied = []string{"example.service restart"}
			}
			if !slices.Equal(res.Denied, wantDenied) {
				t.Errorf("Denied = %q, want %q", res.Denied, wantDenied)
			}
			if tt.deny && !slices.ContainsFunc(res.Notes(), func(n string) bool {
				return strings.Contains(n, "policy-rc.d denied") && strings.Contains(n, "example.service restart")
			}) {
				t.Errorf("notes %q do not say what was denied", res.Notes())
			}
			if tt.admin {
				wantAdminPolicy(t, root, was)
			} else if _, err := os.Lstat(filepath.Join(root, policyPath)); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a policy-rc.d is left where there was none (%v)", err)
			}
			wantNoGuardFiles(t, root)
		})
	}
}

// A worker killed while the guard is in place (between install and
// restore) leaves it there; Recover, run when the next worker starts,
// takes it away and puts the admin's file back, from every point where
// install can have been cut off.
func TestRecoverRestoresPolicyAfterCrash(t *testing.T) {
	debtest.NeedDpkg(t)
	t.Parallel()
	crashes := []struct {
		name  string
		admin bool
		// cut leaves root as a worker killed there would.
		cut func(t *testing.T, g policyGuard)
		say string // what Recover says it did
	}{
		{"guard in place, no policy-rc.d before", false, installGuard, "removed neco's guard"},
		{"guard in place over the admin's", true, installGuard, "put the admin's"},
		{"killed after saving the admin's, before the guard", true, func(t *testing.T, g policyGuard) {
			rename(t, g.path(policyPath), g.path(policySaved))
			write(t, g.path(policyTemp), guardScript)
		}, "put the admin's"},
		{"nothing left", true, func(*testing.T, policyGuard) {}, ""},
	}
	for _, tt := range crashes {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			root := debtest.NewRoot(t)
			var was os.FileInfo
			if tt.admin {
				was = writeAdminPolicy(t, root)
			}
			tt.cut(t, policyGuard{root: root})

			rec, err := newInstaller(t, Options{Root: root}).Recover(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(rec.Policy, tt.say) || (tt.say == "") != (rec.Policy == "") {
				t.Errorf("Recover says %q, want %q", rec.Policy, tt.say)
			}
			if rec.Audit != "" {
				t.Errorf("Recover's audit of an empty database: %q", rec.Audit)
			}
			if tt.admin {
				wantAdminPolicy(t, root, was)
			} else if _, err := os.Lstat(filepath.Join(root, policyPath)); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the guard is left in place (%v)", err)
			}
		})
	}
}

// A policy-rc.d that is not the guard is never overwritten, even to put
// the admin's saved one back: that is for a person to settle, and until
// then no guarded dpkg runs.
func TestPolicyConflictOverwritesNothing(t *testing.T) {
	debtest.NeedDpkg(t)
	t.Parallel()
	root, dir := debtest.NewRoot(t), t.TempDir()
	writeAdminPolicy(t, root)
	g := policyGuard{root: root}
	installGuard(t, g)
	// While the guard was in place a package shipped its own.
	const shipped = "#!/bin/sh\n# shipped by a package\nexit 0\n"
	write(t, g.path(policyPath), shipped)

	i := newInstaller(t, Options{Root: root, DenyServiceActions: true})
	if _, err := i.Recover(context.Background()); !errors.Is(err, ErrPolicyConflict) {
		t.Errorf("Recover: err = %v, want ErrPolicyConflict", err)
	}
	deb := debtest.Build(t, dir, debtest.Spec{Name: "example-site", Version: "1.0"})
	if _, err := i.Install(context.Background(), deb, InstallOptions{}); !errors.Is(err, ErrPolicyConflict) {
		t.Errorf("Install: err = %v, want ErrPolicyConflict", err)
	}
	wantInstalled(t, i, "example-site", "")
	if c := debtest.ReadRootFile(t, root, policyPath); c != shipped {
		t.Errorf("policy-rc.d = %q, want the shipped one left alone", c)
	}
	if c := debtest.ReadRootFile(t, root, policySaved); c != adminPolicy {
		t.Errorf("the admin's saved copy = %q, want it kept", c)
	}
}

func installGuard(t *testing.T, g policyGuard) {
	t.Helper()
	if err := g.install(); err != nil {
		t.Fatal(err)
	}
	if present, ours, err := isGuard(g.path(policyPath)); !present || !ours || err != nil {
		t.Fatalf("after install policy-rc.d is present %v, the guard %v (%v)", present, ours, err)
	}
}

func rename(t *testing.T, from, to string) {
	t.Helper()
	if err := os.Rename(from, to); err != nil {
		t.Fatal(err)
	}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o755); err != nil {
		t.Fatal(err)
	}
}
