package deb

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
)

// ErrNoFile is wrapped by ReadFile when the package does not ship the file.
var ErrNoFile = errors.New("deb: package has no such file")

// ReadFile returns the content of one regular file the .deb at debPath
// would install (name is absolute, e.g. /usr/share/neco/plan.yaml),
// without installing anything: `neco plan` reads a release's plan this
// way. The data member is unpacked by dpkg-deb into a temporary directory,
// which is removed before returning: dpkg-deb already knows every
// compression a .deb may use, and a truncated archive fails there.
func (i *Installer) ReadFile(ctx context.Context, debPath, name string) ([]byte, error) {
	base := filepath.Base(debPath)
	rel := path.Clean(name)
	if !path.IsAbs(name) || rel == "/" {
		return nil, fmt.Errorf("read %s from %s: want an absolute file path", name, base)
	}
	abs, err := filepath.Abs(debPath)
	if err != nil {
		return nil, fmt.Errorf("read %s from %s: %w", name, base, err)
	}
	dir, err := os.MkdirTemp("", "neco-deb-")
	if err != nil {
		return nil, fmt.Errorf("read %s from %s: %w", name, base, err)
	}
	defer os.RemoveAll(dir)
	_, stderr, err := i.run(ctx, []string{"dpkg-deb", "--extract", "--", abs, dir})
	if err != nil {
		cerr := newCommandError("dpkg-deb --extract "+base, stderr, err)
		if ctx.Err() == nil && cerr.ExitCode > 0 {
			return nil, fmt.Errorf("%w: %w", ErrBadPackage, cerr)
		}
		return nil, cerr
	}
	// os.Root: a symlink in the package points into this machine's
	// filesystem, not the package's, and is not followed out of dir.
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("read %s from %s: %w", name, base, err)
	}
	defer root.Close()
	inner := rel[1:]
	fi, err := root.Lstat(inner)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("read %s from %s: %w", name, base, ErrNoFile)
	case err != nil:
		return nil, fmt.Errorf("read %s from %s: %w", name, base, err)
	case !fi.Mode().IsRegular():
		return nil, fmt.Errorf("read %s from %s: %w: it is not a regular file (%s)", name, base, ErrNoFile, fi.Mode().Type())
	}
	b, err := root.ReadFile(inner)
	if err != nil {
		return nil, fmt.Errorf("read %s from %s: %w", name, base, err)
	}
	return b, nil
}
