// Package deb owns installing Debian packages with the real dpkg: it is the
// only package that runs dpkg, dpkg-deb and dpkg-query (its test harness
// debtest builds packages with dpkg-deb, for tests only). It knows nothing
// about etcd or GitHub; it is handed a local .deb that pkg/releases already
// downloaded and verified.
//
// The contract the worker (and the SREs reading its reports) rely on:
//
//   - Inspect reads Package, Version and Architecture with dpkg-deb and reads
//     the whole archive once, so a truncated or corrupt file fails there
//     (ErrBadPackage) and dpkg -i is never run on it. A version neco cannot
//     order (model.ParseVersion refuses it, e.g. an epoch) is an error.
//   - Installed reports a package as installed only when dpkg's database says
//     "<want> ok installed" (want may be install, hold, deinstall: it is a
//     selection for apt, not a state). Half-installed, unpacked,
//     half-configured and triggers-pending packages are not installed; an
//     unknown package is not installed and not an error.
//   - Install is idempotent: a package already installed at exactly the
//     .deb's version (Debian ordering) is left alone and dpkg is not run, so a
//     worker resuming after a crash never reinstalls. A package left
//     half-way (dpkg killed, a failed maintainer script) is repaired
//     (repair.go): configured with dpkg --configure when all its files are
//     unpacked at the .deb's version (unpacked, half-configured), else
//     installed again from the .deb (half-installed, reinst-required,
//     another version). The Result says what was repaired. dpkg's journal
//     (updates/) and its locks need nothing: dpkg folds the journal in on
//     its next run, and its locks are fcntl locks the kernel drops with a
//     killed dpkg.
//   - With Options.DenyServiceActions, every dpkg run has a policy-rc.d in
//     place that denies the maintainer scripts' starts, stops and restarts
//     (policyrcd.go); the admin's own policy-rc.d is put back after the
//     run, and Recover puts it back after a crash.
//   - Install refuses a downgrade with ErrDowngrade, naming both versions,
//     unless InstallOptions.AllowDowngrade (rollbacks only). The version it
//     compares against is the one dpkg has on disk, fully installed or not.
//   - dpkg runs as
//     WRAP... /usr/bin/env DEBIAN_FRONTEND=noninteractive dpkg [--root=ROOT] --force-confdef --force-confold -i PATH
//     (--configure NAME instead of -i PATH for a repair)
//     with stdin from /dev/null. A failure wraps ErrDpkg and carries dpkg's
//     exit code and the last lines of its stderr (see CommandError).
//   - After dpkg exits 0, Install checks that the database says the package
//     is installed at the .deb's version; anything else is an ErrDpkg.
//   - Cancelling the context kills dpkg and its maintainer scripts.
//
// What dpkg 1.21 does here (measured with the tests of this package): a
// single dpkg -i whose dependencies are missing exits 1 and leaves the package
// "install ok unpacked"; one that would overwrite another package's file
// exits 1 and rolls back (the new package is "not-installed", the other one
// untouched); a truncated data member exits 1 and rolls back. No case was
// found where dpkg -i exits 0 short of "installed" (it processes pending
// triggers before it exits), so the check after success guards against
// wrappers that lose the exit status (systemd-run without --wait exits 0 as
// soon as the unit starts) rather than against dpkg itself.
package deb
