package deb

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/necoship/neco/pkg/model"
)

// Options configure an Installer.
type Options struct {
	// Root, when set, is passed as dpkg --root=ROOT, and dpkg-query reads
	// ROOT/var/lib/dpkg. It must be absolute. Empty means the real system.
	Root string
	// Wrap is prepended to the dpkg -i command line. The worker's
	// self-update passes systemd-run --wait --collect --quiet
	// --unit=neco-self-update -- so that dpkg survives the package's prerm
	// stopping the worker. Under such a wrapper dpkg's own output goes to
	// the unit's journal (do not add --pipe: dpkg would die of a broken pipe
	// with the worker), and cancelling ctx stops the wait, not dpkg.
	Wrap []string
	// Run runs every command; nil means Exec.
	Run Runner
	// RunInstall, when set, runs the dpkg -i command instead of Run: the
	// worker's self-update runs it as a transient systemd unit over D-Bus
	// (units.Manager.RunTransient), which is what Wrap does with the
	// systemd-run binary. Its stderr is then in the unit's journal.
	RunInstall Runner
	// DenyServiceActions puts a policy-rc.d in place for each dpkg run
	// that denies every start, stop and restart a maintainer script asks
	// invoke-rc.d or deb-systemd-invoke for (policyrcd.go): the worker
	// restarts the site's units in the plan's order itself. The admin's
	// own policy-rc.d is put back after the run, or by Recover after a
	// crash.
	DenyServiceActions bool
}

// Installer inspects, queries and installs packages with dpkg. Its methods
// may be called concurrently, but dpkg's lock makes a second dpkg -i fail
// (ErrDpkg) while one runs.
type Installer struct {
	root       string
	wrap       []string
	run        Runner
	runInstall Runner
	deny       bool
	// mu serialises the dpkg runs of this Installer with the guard they
	// share (policyGuard).
	mu sync.Mutex
}

// New returns an Installer, refusing a relative Root (a wrapper such as
// systemd-run does not run dpkg in the caller's directory) and empty Wrap
// words.
func New(o Options) (*Installer, error) {
	if o.Root != "" && !filepath.IsAbs(o.Root) {
		return nil, fmt.Errorf("deb options: root %q is not absolute", o.Root)
	}
	if slices.Contains(o.Wrap, "") {
		return nil, fmt.Errorf("deb options: wrap %q has an empty word", o.Wrap)
	}
	run := o.Run
	if run == nil {
		run = Exec
	}
	runInstall := o.RunInstall
	if runInstall == nil {
		runInstall = run
	}
	return &Installer{root: o.Root, wrap: slices.Clone(o.Wrap), run: run, runInstall: runInstall, deny: o.DenyServiceActions}, nil
}

// admindir is dpkg's database directory, the one dpkg --root=ROOT uses.
func (i *Installer) admindir() string {
	return filepath.Join("/", i.root, "var/lib/dpkg")
}

// InstallOptions change what Install accepts.
type InstallOptions struct {
	// AllowDowngrade lets Install replace a newer version; only a rollback
	// sets it.
	AllowDowngrade bool
}

// Result is what Install did.
type Result struct {
	// Package is what it installed, or found already installed.
	Package Package
	// Repaired is set when a previous dpkg run had left the package
	// half-way (see repairFor).
	Repaired *Repair
	// Denied are the "UNIT ACTION"s that maintainer scripts asked for
	// and the policy-rc.d guard denied (Options.DenyServiceActions).
	Denied []string
}

// Notes are the lines the worker reports about r: what was repaired and
// what was denied. None for a plain install.
func (r Result) Notes() []string {
	var out []string
	if r.Repaired != nil {
		out = append(out, r.Repaired.String())
	}
	if len(r.Denied) > 0 {
		out = append(out, fmt.Sprintf("policy-rc.d denied the maintainer scripts of %s %s: %s (neco restarts units in the plan's order)",
			r.Package.Name, r.Package.Version, strings.Join(r.Denied, ", ")))
	}
	return out
}

// Install installs the .deb at debPath (see the package doc for the whole
// contract) and returns what it installed, or found already installed,
// with what it repaired on the way.
func (i *Installer) Install(ctx context.Context, debPath string, o InstallOptions) (Result, error) {
	abs, err := filepath.Abs(debPath)
	if err != nil {
		return Result{}, fmt.Errorf("install %s: %w", debPath, err)
	}
	p, err := i.Inspect(ctx, abs)
	if err != nil {
		return Result{}, err
	}
	cur, err := i.record(ctx, p.Name)
	if err != nil {
		return Result{}, fmt.Errorf("install %s: %w", p.Name, err)
	}
	done, err := checkCurrent(p, cur, o)
	if err != nil {
		return Result{}, err
	}
	res := Result{Package: p}
	if done {
		return res, nil
	}
	res.Repaired = repairFor(p, cur)
	run := func() error { return i.dpkgInstall(ctx, abs) }
	if res.Repaired != nil && res.Repaired.Action == RepairConfigure {
		run = func() error { return i.dpkgConfigure(ctx, p.Name) }
	}
	res.Denied, err = i.guarded(run)
	if err != nil {
		return res, err
	}
	if err := i.verify(ctx, p, filepath.Base(abs)); err != nil {
		return res, err
	}
	return res, nil
}

// guarded runs one dpkg command, with the policy-rc.d guard in place
// around it when the installer denies service actions, and returns what
// the guard denied. A run that cannot put the admin's policy-rc.d back
// fails even when dpkg succeeded: the guard left in place would deny the
// admin's own dpkg runs.
func (i *Installer) guarded(run func() error) (denied []string, err error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if !i.deny {
		return nil, run()
	}
	g := policyGuard{root: i.root}
	if err := g.install(); err != nil {
		return nil, err
	}
	err = run()
	denied, derr := g.denied()
	if _, rerr := g.restore(); rerr != nil {
		err = errors.Join(err, rerr)
	}
	if derr != nil && err == nil {
		err = derr
	}
	return denied, err
}

// checkCurrent compares the package with what dpkg has on disk: done when
// exactly this version is installed, ErrDowngrade when it is older and
// downgrades are not allowed.
func checkCurrent(p Package, cur dbRecord, o InstallOptions) (done bool, err error) {
	if !cur.onDisk() {
		return false, nil
	}
	// The version of a half-installed package counts too: its files are on
	// disk and dpkg would treat replacing them as a downgrade.
	have, err := parseVersionField(cur.version)
	if err != nil {
		return false, fmt.Errorf("install %s: version on disk: %w", p.Name, err)
	}
	switch c := p.Version.Compare(have); {
	case c == 0 && cur.installed():
		return true, nil
	case c < 0 && !o.AllowDowngrade:
		return false, fmt.Errorf("install %s %s: %w: version %s is on disk (%s); only a rollback may go back",
			p.Name, p.Version, ErrDowngrade, have, cur.state())
	}
	return false, nil
}

// dpkgInstall runs dpkg -i. --force-confdef then --force-confold settle
// every modified-conffile question without a prompt (stdin is /dev/null, a
// prompt would fail the install): take the package's default action when
// it declares one, else keep the admin's file (dpkg leaves the new one as
// FILE.dpkg-dist). Nothing else is forced: overwriting another package's
// files, broken dependencies or a wrong architecture must fail loudly, and a
// downgrade needs no --force flag (dpkg only warns; the policy is
// checkCurrent's). env sets DEBIAN_FRONTEND for debconf in maintainer
// scripts; it is on the command line because a wrapper like systemd-run
// does not pass the caller's environment on.
//
// A dpkg killed here (ctx done) leaves the package half-installed or
// unpacked; Installed then says false and the next Install runs dpkg -i
// again, which repairs it.
func (i *Installer) dpkgInstall(ctx context.Context, abs string) error {
	return i.dpkg(ctx, "dpkg -i "+filepath.Base(abs), "-i", abs)
}

// verify checks that dpkg's database now has p installed.
func (i *Installer) verify(ctx context.Context, p Package, base string) error {
	r, err := i.record(ctx, p.Name)
	if err != nil {
		return fmt.Errorf("verify %s: %w", p.Name, err)
	}
	if r.installed() {
		if v, err := parseVersionField(r.version); err == nil && v.Equal(p.Version) {
			return nil
		}
	}
	return fmt.Errorf("%w: dpkg -i %s exited 0 but %s is %s at version %q, want installed at %s",
		ErrDpkg, base, p.Name, r.state(), r.version, p.Version)
}

// parseVersionField parses a version read from dpkg's database.
func parseVersionField(s string) (v model.Version, err error) {
	if s == "" {
		return v, errors.New("dpkg recorded no version")
	}
	return model.ParseVersion(s)
}
