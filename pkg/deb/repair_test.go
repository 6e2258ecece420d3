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

func TestRepairFor(t *testing.T) {
	p := pkg("example-site", "2.0")
	rec := func(eflag, status, version string) dbRecord {
		return dbRecord{want: "install", eflag: eflag, status: status, version: version}
	}
	tests := []struct {
		name string
		cur  dbRecord
		want RepairAction // "" for a plain dpkg -i
	}{
		{"unknown to dpkg", dbRecord{}, ""},
		{"removed, conffiles kept", rec("ok", "config-files", "1.0"), ""},
		{"older version installed: an upgrade", rec("ok", "installed", "1.0"), ""},
		{"half-configured at the .deb's version", rec("ok", "half-configured", "2.0"), RepairConfigure},
		{"unpacked at the .deb's version", rec("ok", "unpacked", "2.0"), RepairConfigure},
		{"half-configured at another version", rec("ok", "half-configured", "1.0"), RepairReinstall},
		{"unpacked at another version", rec("ok", "unpacked", "1.0"), RepairReinstall},
		{"half-installed, reinst-required", rec("reinstreq", "half-installed", "1.0"), RepairReinstall},
		{"unpacked but reinst-required", rec("reinstreq", "unpacked", "2.0"), RepairReinstall},
		{"triggers pending", rec("ok", "triggers-pending", "2.0"), RepairReinstall},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := repairFor(p, tt.cur)
			var got RepairAction
			if r != nil {
				got = r.Action
				if r.Package != "example-site" || r.Version != tt.cur.version || !strings.HasSuffix(r.State, tt.cur.status) {
					t.Errorf("repair %+v does not name what dpkg had", *r)
				}
			}
			if got != tt.want {
				t.Errorf("repairFor(%s) = %q, want %q", tt.cur.state(), got, tt.want)
			}
		})
	}
}

// holdScript blocks a maintainer script until the test creates /proceed
// in the root, after saying it runs by creating /held.
const holdScript = "#!/bin/sh\ntouch /held\nwhile [ ! -e /proceed ]; do sleep 0.05; done\n"

// killedDuring runs Install of deb in the background, waits until a
// maintainer script holds (holdScript), then cancels its context: Exec
// kills dpkg's whole process group with SIGKILL, the maintainer script
// included, as systemd does to a killed worker's cgroup. It returns what
// dpkg's database says afterwards.
func killedDuring(t *testing.T, i *Installer, root, deb string) dbRecord {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := make(chan error, 1)
	go func() {
		_, err := i.Install(ctx, deb, InstallOptions{})
		errc <- err
	}()
	held := filepath.Join(root, "held")
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if _, err := os.Stat(held); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the maintainer script never held")
		}
	}
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("killed install: err = %v, want context.Canceled", err)
	}
	if err := os.Remove(held); err != nil {
		t.Fatal(err)
	}
	r, err := i.record(context.Background(), "example-site")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// proceed lets the held maintainer scripts of root go on.
func proceed(t *testing.T, root string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(root, "proceed"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
}

// wantAudit fails unless dpkg --audit says nothing (clean) or mentions
// what.
func wantAudit(t *testing.T, i *Installer, what string) {
	t.Helper()
	got, err := i.Audit(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if what == "" && got != "" || what != "" && !strings.Contains(got, what) {
		t.Errorf("dpkg --audit says %q, want %q", got, what)
	}
}

// A dpkg killed in the postinst leaves the package half-configured: the
// next Install finishes it with dpkg --configure, without unpacking it
// again, and says so.
func TestInstallRepairsKilledConfigure(t *testing.T) {
	debtest.NeedDpkg(t)
	t.Parallel()
	root, dir := debtest.NewShellRoot(t), t.TempDir()
	rec := &recorder{}
	i := newInstaller(t, Options{Root: root, Run: rec.run})
	deb := debtest.Build(t, dir, debtest.Spec{Name: "example-site", Version: "2.0",
		Scripts: map[string]string{"postinst": holdScript + "echo configured >> /postinst.log\n"}})

	if r := killedDuring(t, i, root, deb); r.state() != `"install ok half-configured"` || r.version != "2.0" {
		t.Fatalf("after the kill dpkg says %s %s, want half-configured 2.0", r.state(), r.version)
	}
	wantAudit(t, i, "half configured")
	proceed(t, root)
	res, err := i.Install(context.Background(), deb, InstallOptions{})
	if err != nil {
		t.Fatalf("repair: %v", err)
	}
	want := Repair{Package: "example-site", State: "install ok half-configured", Version: "2.0", Action: RepairConfigure}
	if res.Repaired == nil || *res.Repaired != want {
		t.Fatalf("Repaired = %+v, want %+v", res.Repaired, want)
	}
	if got := res.Notes(); len(got) != 1 || got[0] != "dpkg had left example-site 2.0 install ok half-configured; repaired with dpkg --configure" {
		t.Errorf("notes %q", got)
	}
	wantInstalled(t, i, "example-site", "2.0")
	wantAudit(t, i, "")
	if n := len(rec.installs()); n != 1 {
		t.Errorf("dpkg -i ran %d times, want once (the killed one): the repair must not unpack again", n)
	}
	if !slices.ContainsFunc(rec.calls, func(c []string) bool { return slices.Contains(c, "--configure") }) {
		t.Errorf("no dpkg --configure among %q", rec.calls)
	}
	if got := debtest.ReadRootFile(t, root, "postinst.log"); got != "configured\n" {
		t.Errorf("postinst.log = %q, want one configure run to the end", got)
	}
}

// A dpkg killed while it unpacks an upgrade (here in the new preinst, once
// dpkg has marked the package half-installed and reinst-required) leaves
// files of two versions: the next Install runs dpkg -i of the verified
// .deb again. dpkg --configure -a would skip such a package and exit 0.
func TestInstallRepairsKilledUnpack(t *testing.T) {
	debtest.NeedDpkg(t)
	t.Parallel()
	root, dir := debtest.NewShellRoot(t), t.TempDir()
	rec := &recorder{}
	i := newInstaller(t, Options{Root: root, Run: rec.run})
	ctx := context.Background()
	if _, err := i.Install(ctx, debtest.Build(t, dir, debtest.Spec{Name: "example-site", Version: "1.0"}), InstallOptions{}); err != nil {
		t.Fatal(err)
	}
	v2 := debtest.Build(t, dir, debtest.Spec{Name: "example-site", Version: "2.0", Scripts: map[string]string{"preinst": holdScript}})

	if r := killedDuring(t, i, root, v2); r.state() != `"install reinstreq half-installed"` || r.version != "1.0" {
		t.Fatalf("after the kill dpkg says %s %s, want reinstreq half-installed 1.0", r.state(), r.version)
	}
	wantAudit(t, i, "must be reinstalled")
	proceed(t, root)
	before := len(rec.installs())
	res, err := i.Install(ctx, v2, InstallOptions{})
	if err != nil {
		t.Fatalf("repair: %v", err)
	}
	want := Repair{Package: "example-site", State: "install reinstreq half-installed", Version: "1.0", Action: RepairReinstall}
	if res.Repaired == nil || *res.Repaired != want {
		t.Fatalf("Repaired = %+v, want %+v", res.Repaired, want)
	}
	if n := len(rec.installs()) - before; n != 1 {
		t.Errorf("the repair ran dpkg -i %d times, want once", n)
	}
	wantInstalled(t, i, "example-site", "2.0")
	wantAudit(t, i, "")
	if c := debtest.ReadRootFile(t, root, versionFile); c != "2.0\n" {
		t.Errorf("%s = %q after the repair", versionFile, c)
	}
}

// A postinst that fails leaves the package half-configured, and the
// worker aborts (ErrScriptFailed). Once what it needed is fixed, the
// retry (neco recover) configures it: the same version is not refused as
// already there, nor unpacked again.
func TestInstallRepairsFailedPostinst(t *testing.T) {
	debtest.NeedDpkg(t)
	t.Parallel()
	root, dir := debtest.NewShellRoot(t), t.TempDir()
	rec := &recorder{}
	i := newInstaller(t, Options{Root: root, Run: rec.run})
	ctx := context.Background()
	deb := debtest.Build(t, dir, debtest.Spec{Name: "example-site", Version: "2.0",
		Scripts: map[string]string{"postinst": "#!/bin/sh\ntest -e /etc/needed || exit 4\n"}})

	if _, err := i.Install(ctx, deb, InstallOptions{}); !errors.Is(err, ErrScriptFailed) {
		t.Fatalf("first install: err = %v, want ErrScriptFailed", err)
	}
	if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	// Still failing: the repair fails the same way, classified the same.
	_, err := i.Install(ctx, deb, InstallOptions{})
	if !errors.Is(err, ErrScriptFailed) || !strings.Contains(err.Error(), "dpkg --configure example-site: example-site post-installation script exited 4") {
		t.Fatalf("repair while still failing: err = %v, want the postinst's exit 4 from dpkg --configure", err)
	}
	if err := os.WriteFile(filepath.Join(root, "etc/needed"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := i.Install(ctx, deb, InstallOptions{})
	if err != nil {
		t.Fatalf("repair: %v", err)
	}
	if res.Repaired == nil || res.Repaired.Action != RepairConfigure || res.Repaired.State != "install ok half-configured" {
		t.Errorf("Repaired = %+v, want dpkg --configure of a half-configured package", res.Repaired)
	}
	if n := len(rec.installs()); n != 1 {
		t.Errorf("dpkg -i ran %d times, want once", n)
	}
	wantInstalled(t, i, "example-site", "2.0")
	wantAudit(t, i, "")
}
