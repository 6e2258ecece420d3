package mirror

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrExists is wrapped when a release's tag is already in the mirror.
var ErrExists = errors.New("mirror: release already exists")

const stagingPattern = ".staging-*"

// stage is a release under construction in DIR/.staging-*: invisible to
// the server until commit renames it into place, and removed by discard
// on every failure. See "Atomicity" in doc.go.
type stage struct {
	mirror string // the mirror directory
	dir    string // the staging directory inside it
}

// newStage creates a staging directory inside the mirror, so that the
// final rename never crosses a file system.
func newStage(mirror string) (*stage, error) {
	if err := os.MkdirAll(mirror, 0o755); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(mirror, stagingPattern)
	if err != nil {
		return nil, err
	}
	st := &stage{mirror: mirror, dir: dir}
	// MkdirTemp creates 0700; the server may run as another user.
	if err := os.Chmod(dir, 0o755); err != nil {
		st.discard()
		return nil, err
	}
	if err := os.Mkdir(filepath.Join(dir, assetsDirName), 0o755); err != nil {
		st.discard()
		return nil, err
	}
	return st, nil
}

// discard removes the staging directory. It is a no-op after commit.
func (st *stage) discard() { _ = os.RemoveAll(st.dir) }

// writeAsset creates the asset name and lets fill write its content. It
// returns the size and SHA-256 of what was written. The file is fsynced
// before it is closed so that commit publishes only durable data.
func (st *stage) writeAsset(ctx context.Context, name string, fill func(io.Writer) error) (int64, []byte, error) {
	path := filepath.Join(st.dir, assetsDirName, name)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return 0, nil, err
	}
	w := &assetWriter{ctx: ctx, file: f, sum: sha256.New()}
	err = fill(w)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, nil, err
	}
	return w.n, w.sum.Sum(nil), nil
}

// assetWriter counts and hashes what it writes, and stops writing once
// ctx is done, so a Source that ignores ctx still cannot keep a canceled
// Sync busy.
type assetWriter struct {
	ctx  context.Context
	file *os.File
	sum  hash.Hash
	n    int64
}

func (w *assetWriter) Write(p []byte) (int, error) {
	if err := w.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := w.file.Write(p)
	w.sum.Write(p[:n])
	w.n += int64(n)
	return n, err
}

// commit writes release.json and renames the staging directory to the
// tag's directory. Renaming onto an existing release fails, which is what
// makes two concurrent publishes of one tag safe: exactly one wins.
func (st *stage) commit(ctx context.Context, owner, name string, rec releaseRecord) error {
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	if err := writeFileSync(filepath.Join(st.dir, recordFileName), append(b, '\n')); err != nil {
		return err
	}
	if err := syncDir(filepath.Join(st.dir, assetsDirName)); err != nil {
		return err
	}
	if err := syncDir(st.dir); err != nil {
		return err
	}
	// The last moment a cancellation can still leave nothing behind; it
	// comes before makeParents so that not even an empty repository
	// directory appears.
	if err := ctx.Err(); err != nil {
		return err
	}
	parent := releasesDir(st.mirror, owner, name)
	created, err := makeParents(st.mirror, owner, name)
	if err != nil {
		return err
	}
	target := filepath.Join(parent, rec.TagName)
	if err := os.Rename(st.dir, target); err != nil {
		if errors.Is(err, fs.ErrExist) { // EEXIST or ENOTEMPTY
			return fmt.Errorf("%w: %s/%s %s", ErrExists, owner, name, rec.TagName)
		}
		return err
	}
	// Make the rename, and the entries of any directories created for it,
	// durable.
	for _, d := range append([]string{parent}, created...) {
		if err := syncDir(d); err != nil {
			return fmt.Errorf("release renamed into place but not synced: %w", err)
		}
	}
	return nil
}

// makeParents creates DIR/owner/name/releases and returns the directories
// that gained an entry in the process, which need an fsync; in the common
// case (an existing repository) there are none, which keeps Publish cheap.
func makeParents(mirror, owner, name string) ([]string, error) {
	var changed []string
	for _, d := range []string{filepath.Join(mirror, owner), filepath.Join(mirror, owner, name), releasesDir(mirror, owner, name)} {
		err := os.Mkdir(d, 0o755)
		switch {
		case err == nil:
			changed = append(changed, filepath.Dir(d))
		case !errors.Is(err, fs.ErrExist):
			return nil, err
		}
	}
	return changed, nil
}

// writeFileSync writes a new file and fsyncs it before closing.
func writeFileSync(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// syncDir fsyncs a directory, which is what makes entries created or
// renamed in it survive a crash.
func syncDir(path string) error {
	d, err := os.Open(path)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
