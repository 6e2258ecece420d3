package deb

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// RepairAction is how Install finishes a package a previous dpkg run left
// half-way.
type RepairAction string

const (
	// RepairConfigure runs dpkg --configure PACKAGE: the package's files
	// are all unpacked, from the same version as the .deb, and only its
	// configuration (postinst configure) is missing. That is what dpkg
	// itself would resume, and nothing is unpacked twice.
	RepairConfigure RepairAction = "dpkg --configure"
	// RepairReinstall runs dpkg -i with the verified .deb again: the
	// files on disk are partly replaced (half-installed, dpkg's
	// reinst-required flag), or are another version's. dpkg --configure
	// cannot finish such a package (dpkg --configure -a skips it and
	// exits 0), and configuring another version would run that version's
	// postinst for nothing.
	RepairReinstall RepairAction = "dpkg -i"
)

// Repair is what Install found a previous dpkg run (killed, or failed in
// a maintainer script) had left half-way, and what it did about it.
type Repair struct {
	Package string
	// State is dpkg's "want eflag status" of the package, e.g.
	// "install ok half-configured" or "install reinstreq half-installed".
	State string
	// Version is the version dpkg had recorded for it.
	Version string
	Action  RepairAction
}

// String reads "dpkg had left dct-site 2.0 install ok half-configured;
// repaired with dpkg --configure".
func (r Repair) String() string {
	return fmt.Sprintf("dpkg had left %s %s %s; repaired with %s", r.Package, r.Version, r.State, r.Action)
}

// configurable are the states in which every file of the package is
// unpacked and only its configuration is missing.
var configurable = []string{"unpacked", "half-configured"}

// repairFor says how to install p over what dpkg has on disk (cur): nil
// for a plain dpkg -i (nothing on disk, or an installed older or newer
// version: an upgrade or a rollback), else the repair of a package left
// half-way. Triggers-pending and triggers-awaited packages are reinstalled
// too: dpkg -i processes pending triggers before it exits.
func repairFor(p Package, cur dbRecord) *Repair {
	if !cur.onDisk() || cur.installed() {
		return nil
	}
	r := &Repair{Package: p.Name, State: cur.want + " " + cur.eflag + " " + cur.status, Version: cur.version, Action: RepairReinstall}
	if v, err := parseVersionField(cur.version); err == nil && v.Equal(p.Version) &&
		cur.eflag == "ok" && slices.Contains(configurable, cur.status) {
		r.Action = RepairConfigure
	}
	return r
}

// envPath is env(1); coreutils, which is Essential, ships it there.
const envPath = "/usr/bin/env"

// dpkgConfigure runs dpkg --configure NAME, the way dpkgInstall runs
// dpkg -i (same wrapper, environment and conffile policy, same failure
// classes: a postinst still failing is ErrScriptFailed).
func (i *Installer) dpkgConfigure(ctx context.Context, name string) error {
	return i.dpkg(ctx, "dpkg --configure "+name, "--configure", name)
}

// dpkg runs dpkg with the installer's root, wrapper and options, then
// args; what names the command in errors. The command starts with an
// absolute path: a self-update runs it as a transient systemd unit, whose
// ExecStart takes nothing else (pkg/units); env finds dpkg in the unit's
// PATH.
func (i *Installer) dpkg(ctx context.Context, what string, args ...string) error {
	argv := slices.Concat(i.wrap, []string{envPath, "DEBIAN_FRONTEND=noninteractive", "dpkg"})
	if i.root != "" {
		argv = append(argv, "--root="+i.root)
	}
	argv = append(argv, "--force-confdef", "--force-confold")
	argv = append(argv, args...)
	_, stderr, err := i.runInstall(ctx, argv)
	if err == nil {
		return nil
	}
	ce := newCommandError(what, stderr, err)
	if summary, class := classify(stderr); class != nil && ctx.Err() == nil {
		return &dpkgFailure{class: class, summary: summary, cmd: ce}
	}
	return fmt.Errorf("%w: %w", ErrDpkg, ce)
}

// Audit runs dpkg --audit and returns what it says is wrong with dpkg's
// database: packages left half-installed, unpacked, half-configured or
// awaiting triggers, by any dpkg run (neco's or an admin's). Empty means
// nothing. dpkg 1.21 exits 0 either way; only its output tells.
func (i *Installer) Audit(ctx context.Context) (string, error) {
	argv := []string{"dpkg", "--audit"}
	if i.root != "" {
		argv = []string{"dpkg", "--root=" + i.root, "--audit"}
	}
	stdout, stderr, err := i.run(ctx, argv)
	if err != nil {
		return "", fmt.Errorf("audit: %w", newCommandError("dpkg --audit", stderr, err))
	}
	return strings.TrimSpace(string(stdout)), nil
}

// Recovery is what Recover found when the worker started.
type Recovery struct {
	// Policy says what was done about a policy-rc.d guard a killed
	// worker left in place ("" when none was).
	Policy string
	// Audit is dpkg --audit's output ("" when dpkg's database is sound).
	Audit string
}

// Recover is what the worker runs at start, before anything else: it
// takes away a policy-rc.d guard a killed worker left in place (putting
// the admin's back), so that nothing outside neco's dpkg runs is denied,
// and audits dpkg's database. Recover repairs no package: a package neco
// was installing is repaired by the next Install of it, from the verified
// .deb (see repairFor); the others are not neco's to configure, and are
// only reported.
func (i *Installer) Recover(ctx context.Context) (Recovery, error) {
	i.mu.Lock()
	did, err := policyGuard{root: i.root}.restore()
	i.mu.Unlock()
	if err != nil {
		return Recovery{}, fmt.Errorf("recover: %w", err)
	}
	audit, err := i.Audit(ctx)
	if err != nil {
		return Recovery{Policy: did}, fmt.Errorf("recover: %w", err)
	}
	return Recovery{Policy: did, Audit: audit}, nil
}
