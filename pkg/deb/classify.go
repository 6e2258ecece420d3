package deb

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// The dpkg failures that another dpkg -i of the same package cannot fix.
// Install wraps one of them (and ErrDpkg) when dpkg's output says so; the
// worker then aborts at once instead of retrying. Anything else (the
// lock held by another dpkg, an I/O error, a kill) is left unclassified
// and retried.
var (
	// ErrScriptFailed: a maintainer script (preinst, postinst, prerm,
	// postrm) exited non-zero.
	ErrScriptFailed = errors.New("deb: maintainer script failed")
	// ErrDependency: the package depends on what is not installed.
	ErrDependency = errors.New("deb: dependency problem")
	// ErrFileConflict: the package ships a file another package owns.
	ErrFileConflict = errors.New("deb: file conflict")
)

var (
	// "installed trapsite package post-installation script subprocess
	// returned error exit status 3" (dpkg 1.21); older dpkg says
	// "subprocess installed post-installation script returned ...".
	scriptFailure = regexp.MustCompile(`(?:(\S+) package )?((?:pre|post)-(?:installation|removal)) script(?: subprocess)? returned error exit status (\d+)`)
	// "dpkg: dependency problems prevent configuration of trapsite:"
	// followed by indented lines saying what is missing.
	dependencyFailure = regexp.MustCompile(`dependency problems prevent (?:configuration|installation) of (\S+?):?\n((?:[ \t]+\S.*\n?)+)`)
	// "trying to overwrite '/usr/bin/x', which is also in package y 1.0"
	fileConflict = regexp.MustCompile(`trying to overwrite '([^']+)', which is also in package (\S+)`)
)

// classify says what a failed dpkg -i's stderr shows when retrying cannot
// help: one line naming what failed, and the class, for the report and
// neco status (dpkg's whole output is in the journal). nil when it shows
// nothing known.
func classify(stderr []byte) (summary string, class error) {
	s := string(stderr)
	if m := scriptFailure.FindStringSubmatch(s); m != nil {
		what := m[2] + " script"
		if m[1] != "" {
			what = m[1] + " " + what
		}
		return fmt.Sprintf("%s exited %s", what, m[3]), ErrScriptFailed
	}
	if m := dependencyFailure.FindStringSubmatch(s); m != nil {
		return fmt.Sprintf("%s: %s", m[1], oneLine(m[2])), ErrDependency
	}
	if m := fileConflict.FindStringSubmatch(s); m != nil {
		return fmt.Sprintf("%s is also in package %s", m[1], m[2]), ErrFileConflict
	}
	return "", nil
}

// oneLine joins an indented block's lines with single spaces.
func oneLine(block string) string {
	return strings.Join(strings.Fields(block), " ")
}

// dpkgFailure is a dpkg -i that failed in a way classify knows: its
// message is the one line that says what failed; the command, its exit
// status and stderr stay reachable (errors.As *CommandError).
type dpkgFailure struct {
	class   error
	summary string
	cmd     *CommandError
}

func (e *dpkgFailure) Error() string { return e.cmd.Command + ": " + e.summary }

func (e *dpkgFailure) Unwrap() []error { return []error{ErrDpkg, e.class, e.cmd} }
