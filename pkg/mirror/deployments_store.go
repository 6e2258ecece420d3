package mirror

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"go.uber.org/zap"
)

const (
	deploymentsFileName = "deployments.json"
	// deploymentsTmpName is dot-prefixed, so it can never be taken for
	// a release or served.
	deploymentsTmpName = ".deployments.json.tmp"
)

func deploymentsPath(dir, owner, name string) string {
	return filepath.Join(dir, owner, name, deploymentsFileName)
}

// readDeployments reads and validates deployments.json. A missing file is
// no deployments; anything unreadable as the documented format wraps
// ErrCorrupt. stamp identifies the version of the file that was read
// (size and modification time), "" when there is none.
func readDeployments(path string) (f deploymentsFile, stamp string, err error) {
	b, stamp, err := readBounded(path, maxDeploymentsFileSize)
	if errors.Is(err, fs.ErrNotExist) {
		return deploymentsFile{}, "", nil
	}
	if err != nil {
		return deploymentsFile{}, stamp, err
	}
	// Unknown fields are allowed, as in release.json, so that an older
	// server reads what a newer neco wrote.
	if err := json.Unmarshal(b, &f); err != nil {
		return deploymentsFile{}, stamp, fmt.Errorf("%w: %s: %v", ErrCorrupt, path, err)
	}
	if err := f.validate(); err != nil {
		return deploymentsFile{}, stamp, fmt.Errorf("%w: %s: %v", ErrCorrupt, path, err)
	}
	return f, stamp, nil
}

// readBounded reads the regular file at path, refusing one larger than
// limit (ErrCorrupt) without reading it.
func readBounded(path string, limit int64) ([]byte, string, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, "", err
	}
	defer file.Close()
	fi, err := file.Stat()
	if err != nil {
		return nil, "", err
	}
	stamp := fmt.Sprintf("%d@%d", fi.Size(), fi.ModTime().UnixNano())
	if !fi.Mode().IsRegular() {
		return nil, stamp, fmt.Errorf("%w: %s: not a regular file", ErrCorrupt, path)
	}
	// The size is checked again while reading: the file may grow.
	b, err := io.ReadAll(io.LimitReader(file, limit+1))
	if err != nil {
		return nil, stamp, err
	}
	if fi.Size() > limit || int64(len(b)) > limit {
		return nil, stamp, fmt.Errorf("%w: %s: larger than %d bytes", ErrCorrupt, path, limit)
	}
	return b, stamp, nil
}

// loadDeployments returns the deployments of owner/name, newest first. A
// corrupt file is served as no deployments, so that the server stays up
// and a gated site waits (it sees no success) rather than failing.
func (s *server) loadDeployments(owner, name string) ([]deploymentRecord, error) {
	if _, err := os.Stat(filepath.Join(s.dir, owner, name)); errors.Is(err, fs.ErrNotExist) {
		return nil, errRepoNotFound
	}
	path := deploymentsPath(s.dir, owner, name)
	f, stamp, err := readDeployments(path)
	if errors.Is(err, ErrCorrupt) {
		s.corrupt.report(s.log, path, stamp, err)
		return []deploymentRecord{}, nil
	}
	if err != nil {
		return nil, err
	}
	s.corrupt.forget(path)
	ds := f.Deployments
	slices.Reverse(ds)
	return ds, nil
}

// corruptLog remembers which versions of corrupt files were logged: a
// production site polls every minute, and one error line per bad version
// of a file says it all, where one per request would bury it.
type corruptLog struct {
	mu   sync.Mutex
	seen map[string]string // path => stamp of the version logged
}

// maxCorruptSeen bounds the memory; past it, everything is logged anew.
const maxCorruptSeen = 1024

func (c *corruptLog) report(log *zap.Logger, path, stamp string, err error) {
	c.mu.Lock()
	logged := stamp != "" && c.seen[path] == stamp
	if !logged {
		if c.seen == nil || len(c.seen) >= maxCorruptSeen {
			c.seen = map[string]string{}
		}
		c.seen[path] = stamp
	}
	c.mu.Unlock()
	if !logged {
		log.Error("serving no deployments: deployments file is corrupt; run neco mirror sync to rewrite it",
			zap.String(logKeyFile, path), zap.Error(err))
	}
}

func (c *corruptLog) forget(path string) {
	c.mu.Lock()
	delete(c.seen, path)
	c.mu.Unlock()
}

// writeDeployments replaces deployments.json of owner/name, which must
// exist, with f: written to a temporary file, fsynced and renamed, under
// the mirror's lock so that concurrent syncs never share the temporary
// file. It reports whether the file changed; an identical file is left
// alone, and no deployments with no file writes nothing.
func writeDeployments(ctx context.Context, dir, owner, name string, f deploymentsFile) (bool, error) {
	if err := f.validate(); err != nil {
		return false, fmt.Errorf("refusing to write deployments: %w", err)
	}
	body, err := json.Marshal(f)
	if err != nil {
		return false, err
	}
	body = append(body, '\n')
	if len(body) > maxDeploymentsFileSize {
		return false, fmt.Errorf("refusing to write deployments: %d bytes, more than %d", len(body), maxDeploymentsFileSize)
	}
	unlock, err := lockMirror(ctx, dir)
	if err != nil {
		return false, fmt.Errorf("lock mirror: %w", err)
	}
	defer unlock()
	path := deploymentsPath(dir, owner, name)
	old, _, err := readBounded(path, maxDeploymentsFileSize)
	switch {
	case err == nil && bytes.Equal(old, body):
		return false, nil
	case errors.Is(err, fs.ErrNotExist) && len(f.Deployments) == 0:
		return false, nil
	}
	repoDir := filepath.Dir(path)
	tmp := filepath.Join(repoDir, deploymentsTmpName)
	if err := writeFileSync(tmp, body); err != nil {
		_ = os.Remove(tmp)
		return false, fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return false, fmt.Errorf("write %s: %w", path, err)
	}
	if err := syncDir(repoDir); err != nil {
		return true, fmt.Errorf("%s renamed into place but not synced: %w", path, err)
	}
	return true, nil
}
