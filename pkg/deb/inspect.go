package deb

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/necoship/neco/pkg/model"
)

// Package is what a .deb says about itself in its control file.
type Package struct {
	Name         string
	Version      model.Version
	Architecture string
}

// String reads "example-site 1.0 (amd64)".
func (p Package) String() string {
	return fmt.Sprintf("%s %s (%s)", p.Name, p.Version, p.Architecture)
}

// showFormat asks dpkg-deb for the three control fields on one line.
const showFormat = "--showformat=${Package}\t${Version}\t${Architecture}\n"

// Inspect reads the control fields of the .deb at debPath and then reads its
// whole archive, because dpkg-deb --show only looks at the control member:
// a file truncated in its data member would pass it and fail half-way
// through dpkg -i. It fails with ErrBadPackage when dpkg-deb cannot read the
// file or its fields are unusable (including a version model.ParseVersion
// refuses).
func (i *Installer) Inspect(ctx context.Context, debPath string) (Package, error) {
	base := filepath.Base(debPath)
	abs, err := filepath.Abs(debPath)
	if err != nil {
		return Package{}, fmt.Errorf("inspect %s: %w", base, err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return Package{}, fmt.Errorf("inspect %s: %w", base, err)
	}
	if !fi.Mode().IsRegular() {
		return Package{}, fmt.Errorf("inspect %s: %w: %s is not a regular file", base, ErrBadPackage, abs)
	}
	out, err := i.dpkgDeb(ctx, "--show", abs, showFormat)
	if err != nil {
		return Package{}, err
	}
	p, err := parseShow(string(out))
	if err != nil {
		return Package{}, fmt.Errorf("inspect %s: %w: %w", base, ErrBadPackage, err)
	}
	// --contents lists the data member, so the decompressor and tar read
	// it to the end and report truncation or corruption.
	if _, err := i.dpkgDeb(ctx, "--contents", abs); err != nil {
		return Package{}, err
	}
	return p, nil
}

// dpkgDeb runs dpkg-deb ACTION PATH [EXTRA...]. A dpkg-deb that exits
// non-zero could not read the file: ErrBadPackage. Anything else (not
// installed, cancelled) is returned as it is.
func (i *Installer) dpkgDeb(ctx context.Context, action, path string, extra ...string) ([]byte, error) {
	argv := append([]string{"dpkg-deb", action}, extra...)
	argv = append(argv, "--", path)
	stdout, stderr, err := i.run(ctx, argv)
	if err == nil {
		return stdout, nil
	}
	cerr := newCommandError("dpkg-deb "+action+" "+filepath.Base(path), stderr, err)
	if ctx.Err() == nil && cerr.ExitCode > 0 {
		return nil, fmt.Errorf("%w: %w", ErrBadPackage, cerr)
	}
	return nil, cerr
}

// parseShow parses dpkg-deb's "NAME\tVERSION\tARCH\n".
func parseShow(out string) (Package, error) {
	line := strings.TrimSuffix(out, "\n")
	fields := strings.Split(line, "\t")
	if len(fields) != 3 || strings.Contains(line, "\n") {
		return Package{}, fmt.Errorf("unexpected control fields %q", out)
	}
	name, version, arch := fields[0], fields[1], fields[2]
	if err := checkName(name); err != nil {
		return Package{}, fmt.Errorf("field Package: %w", err)
	}
	v, err := model.ParseVersion(version)
	if err != nil {
		return Package{}, fmt.Errorf("field Version: %w", err)
	}
	if arch == "" {
		return Package{}, fmt.Errorf("field Architecture: empty")
	}
	return Package{Name: name, Version: v, Architecture: arch}, nil
}

// checkName enforces Debian Policy 5.6.7 on a package name: at least two of
// [a-z0-9+.-], starting with a letter or digit. Beyond policy, this keeps
// names from being read as options or as dpkg-query glob patterns.
func checkName(name string) error {
	if len(name) < 2 {
		return fmt.Errorf("package name %q: shorter than 2 characters", name)
	}
	for j := 0; j < len(name); j++ {
		c := name[j]
		alnum := c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
		switch {
		case alnum:
		case j == 0:
			return fmt.Errorf("package name %q: must start with a lowercase letter or digit", name)
		case c != '+' && c != '-' && c != '.':
			return fmt.Errorf("package name %q: character %q at %d not allowed (want [a-z0-9+.-])", name, c, j)
		}
	}
	return nil
}
