package mirror

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const (
	lockFileName   = ".lock"
	nextIDFileName = ".next-id"
	// lockPoll is how often a waiting allocator retries the lock. The lock
	// is held for one small read and write, so waits are short; polling a
	// non-blocking flock is what lets the wait honour ctx.
	lockPoll = 2 * time.Millisecond
)

// allocIDs reserves n consecutive ids and returns the first. It is safe
// across goroutines and processes: flock locks belong to the open file
// description, and every call opens the lock file anew.
func allocIDs(ctx context.Context, dir string, n int) (int64, error) {
	if n < 1 {
		return 0, fmt.Errorf("allocate %d ids: want at least one", n)
	}
	unlock, err := lockMirror(ctx, dir)
	if err != nil {
		return 0, fmt.Errorf("lock mirror: %w", err)
	}
	defer unlock()
	first, err := readNextID(dir)
	if err != nil {
		return 0, err
	}
	if err := writeNextID(dir, first+int64(n)); err != nil {
		return 0, err
	}
	return first, nil
}

// lockMirror takes the exclusive flock on DIR/.lock, waiting until it is
// free or ctx is done. The returned function releases it.
func lockMirror(ctx context.Context, dir string) (unlock func(), err error) {
	f, err := os.OpenFile(filepath.Join(dir, lockFileName), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			// Closing the file releases the lock.
			return func() { _ = f.Close() }, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			_ = f.Close()
			return nil, err
		}
		select {
		case <-ctx.Done():
			_ = f.Close()
			return nil, ctx.Err()
		case <-time.After(lockPoll):
		}
	}
}

// readNextID returns the next free id. A missing counter restarts after the
// largest id in the tree (see doc.go); a garbled one is an error, because
// guessing could hand out an id twice if the tree is incomplete too.
func readNextID(dir string) (int64, error) {
	b, err := os.ReadFile(filepath.Join(dir, nextIDFileName))
	if errors.Is(err, fs.ErrNotExist) {
		highest, err := maxID(dir)
		if err != nil {
			return 0, fmt.Errorf("scan ids: %w", err)
		}
		return highest + 1, nil
	}
	if err != nil {
		return 0, err
	}
	id, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil || id < 1 {
		return 0, fmt.Errorf("%w: %s: %q is not a positive id", ErrCorrupt, nextIDFileName, b)
	}
	return id, nil
}

// writeNextID replaces the counter atomically, so a crash leaves either
// the old or the new value, never a truncated file.
func writeNextID(dir string, id int64) error {
	path := filepath.Join(dir, nextIDFileName)
	tmp := path + ".tmp"
	if err := writeFileSync(tmp, []byte(strconv.FormatInt(id, 10)+"\n")); err != nil {
		return fmt.Errorf("write %s: %w", nextIDFileName, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("write %s: %w", nextIDFileName, err)
	}
	return syncDir(dir)
}

// maxID returns the largest release or asset id stored under dir, 0 for an
// empty mirror. Corrupt records are ignored: they are not served, and
// their ids, if any, are not trustworthy anyway. (A walk rather than
// filepath.Glob, which would misread a mirror path containing "[" or "*".)
func maxID(dir string) (int64, error) {
	var highest int64
	owners, err := nameDirs(dir)
	if err != nil {
		return 0, err
	}
	for _, owner := range owners {
		repos, err := nameDirs(owner)
		if err != nil {
			return 0, err
		}
		for _, repo := range repos {
			tags, err := nameDirs(filepath.Join(repo, releasesDirName))
			if err != nil {
				return 0, err
			}
			for _, tag := range tags {
				rec, err := readRecord(filepath.Join(tag, recordFileName), filepath.Base(tag))
				if err != nil {
					continue
				}
				highest = max(highest, rec.ID)
				for _, a := range rec.Assets {
					highest = max(highest, a.ID)
				}
			}
		}
	}
	return highest, nil
}

// nameDirs returns the paths of dir's subdirectories that are valid names,
// which skips the dot-prefixed staging directories; a missing dir has none.
func nameDirs(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var dirs []string
	for _, e := range entries {
		if e.IsDir() && checkName(e.Name()) == nil {
			dirs = append(dirs, filepath.Join(dir, e.Name()))
		}
	}
	return dirs, nil
}
