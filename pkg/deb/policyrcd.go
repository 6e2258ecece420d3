package deb

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ErrPolicyConflict is returned when the admin's policy-rc.d, saved aside
// while neco's guard was in place, cannot be put back without overwriting
// another policy-rc.d that appeared since (a package shipping one, or an
// admin): neco overwrites neither, and someone has to choose.
var ErrPolicyConflict = errors.New("deb: policy-rc.d conflict")

// The files of the guard, relative to the installer's root. invoke-rc.d
// and deb-systemd-invoke (what dh_installsystemd and dh_installinit write
// into maintainer scripts) ask policyPath before they start, stop or
// restart anything (policy-rc.d(8)); exit 101 means "not allowed".
const (
	policyPath = "usr/sbin/policy-rc.d"
	// policySaved holds the admin's own policy-rc.d while the guard is in
	// place: renamed in the same directory, so it comes back byte for
	// byte, with its mode, owner and times (or as the same symlink).
	policySaved = "usr/sbin/policy-rc.d.neco-saved"
	// policyTemp is where the guard is written before it is renamed
	// into place, so that policyPath is never a half-written script.
	policyTemp = "usr/sbin/policy-rc.d.neco-new"
	// deniedLog is where the guard writes down what it denied, one
	// "UNIT ACTION" per line, for the worker's report. The maintainer
	// scripts run chrooted into the root, so the guard names it from
	// there.
	deniedLog = "run/neco/policy-rc.d.denied"
	// policyMarker tells neco's guard from any other policy-rc.d.
	policyMarker = "# neco-worker policy-rc.d guard"
)

// guardScript is the guard: it denies every action a maintainer script
// asks for, and says which.
const guardScript = "#!/bin/sh\n" + policyMarker + `
# In place only while neco-worker runs dpkg (docs/worker.md, "Maintainer
# scripts do not restart units"): neco restarts units in the order of the
# release's plan, so a maintainer script must not start, stop or restart
# them itself. 101: action not allowed (policy-rc.d(8)).
echo "$*" >>/` + deniedLog + `
exit 101
`

// policyGuard puts the guard in place for one dpkg run and takes it away
// again, under root ("" is the real system).
type policyGuard struct{ root string }

func (g policyGuard) path(rel string) string { return filepath.Join("/", g.root, rel) }

// install puts the guard in place, the admin's policy-rc.d (if any)
// renamed aside first. It begins with restore, so a guard a killed worker
// left behind is never mistaken for the admin's file. The order is such
// that a crash at any point leaves what restore undoes: the admin's file
// is either in place or saved, never lost.
func (g policyGuard) install() error {
	if _, err := g.restore(); err != nil {
		return err
	}
	orig, saved := g.path(policyPath), g.path(policySaved)
	switch _, err := os.Lstat(orig); {
	case err == nil:
		// restore left no saved copy: nothing is overwritten here.
		if err := os.Rename(orig, saved); err != nil {
			return fmt.Errorf("policy-rc.d: save the admin's: %w", err)
		}
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("policy-rc.d: %w", err)
	}
	if err := g.resetDenied(); err != nil {
		return err
	}
	tmp := g.path(policyTemp)
	if err := os.MkdirAll(filepath.Dir(tmp), 0o755); err != nil {
		return fmt.Errorf("policy-rc.d: %w", err)
	}
	if err := os.WriteFile(tmp, []byte(guardScript), 0o755); err != nil {
		return fmt.Errorf("policy-rc.d: write the guard: %w", err)
	}
	if err := os.Chmod(tmp, 0o755); err != nil { // not narrowed by the umask
		return fmt.Errorf("policy-rc.d: %w", err)
	}
	if err := os.Rename(tmp, orig); err != nil {
		return fmt.Errorf("policy-rc.d: put the guard in place: %w", err)
	}
	return nil
}

// restore undoes install, from whatever point it got to: the admin's
// policy-rc.d goes back where it was, or neco's guard is removed when
// there was none. It says what it did ("" when there was nothing to undo).
// A policy-rc.d that is not the guard is never touched: when the admin's
// saved copy is also there, that is ErrPolicyConflict.
func (g policyGuard) restore() (string, error) {
	orig, saved := g.path(policyPath), g.path(policySaved)
	for _, rel := range []string{policyTemp, deniedLog} {
		if err := os.Remove(g.path(rel)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("policy-rc.d: %w", err)
		}
	}
	present, ours, err := isGuard(orig)
	if err != nil {
		return "", err
	}
	_, err = os.Lstat(saved)
	hasSaved := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("policy-rc.d: %w", err)
	}
	switch {
	case hasSaved && present && !ours:
		return "", fmt.Errorf("%w: %s is not neco's and the admin's saved copy %s is also there; keep one of them by hand",
			ErrPolicyConflict, orig, saved)
	case hasSaved:
		if err := os.Rename(saved, orig); err != nil {
			return "", fmt.Errorf("policy-rc.d: put the admin's back: %w", err)
		}
		return "put the admin's " + orig + " back", nil
	case ours:
		if err := os.Remove(orig); err != nil {
			return "", fmt.Errorf("policy-rc.d: remove the guard: %w", err)
		}
		return "removed neco's guard " + orig, nil
	}
	return "", nil
}

// isGuard says whether path exists and whether it is neco's guard: a
// regular file that carries the marker. A symlink is never the guard.
func isGuard(path string) (present, ours bool, err error) {
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, false, nil
	case err != nil:
		return false, false, fmt.Errorf("policy-rc.d: %w", err)
	case !fi.Mode().IsRegular() || fi.Size() > 4096:
		return true, false, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return true, false, fmt.Errorf("policy-rc.d: %w", err)
	}
	return true, bytes.Contains(b, []byte("\n"+policyMarker+"\n")), nil
}

// resetDenied empties the guard's log before a dpkg run.
func (g policyGuard) resetDenied() error {
	p := g.path(deniedLog)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("policy-rc.d: %w", err)
	}
	if err := os.WriteFile(p, nil, 0o644); err != nil {
		return fmt.Errorf("policy-rc.d: %w", err)
	}
	return nil
}

// denied returns what the guard denied since install, each "UNIT ACTION"
// once, in order (restore removes its log).
func (g policyGuard) denied() ([]string, error) {
	p := g.path(deniedLog)
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("policy-rc.d: %w", err)
	}
	var out []string
	seen := map[string]bool{}
	for _, line := range strings.Split(string(b), "\n") {
		// invoke-rc.d passes --quiet first; the rest is "ID ACTION [RUNLEVEL]".
		line = strings.Join(strings.Fields(strings.TrimPrefix(strings.TrimSpace(line), "--quiet")), " ")
		if line != "" && !seen[line] {
			seen[line] = true
			out = append(out, line)
		}
	}
	return out, nil
}
