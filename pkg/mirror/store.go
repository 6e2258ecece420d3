package mirror

import (
	"cmp"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"go.uber.org/zap"
)

// Names of the fixed files and directories of a mirror; see doc.go.
const (
	releasesDirName = "releases"
	recordFileName  = "release.json"
	assetsDirName   = "assets"
)

// Constant log field keys, so log queries work across every message.
const (
	logKeyMethod = "method"
	logKeyPath   = "path"
	logKeyStatus = "status"
	logKeyFile   = "file"
	logKeyRepo   = "repo"
	logKeyTag    = "tag"
	logKeyAssets = "assets"
	logKeyBytes  = "bytes"
	// Counts of deployments.json: tags asked about, deployments stored,
	// kept and dropped by a bound, payloads replaced by {}.
	logKeyTags        = "tags"
	logKeyDeployments = "deployments"
	logKeyKept        = "kept"
	logKeyDropped     = "dropped"
	logKeyPayloads    = "payloads_replaced"
	logKeyChanged     = "changed"
	// logKeyDuration is the time taken to answer a request.
	logKeyDuration = "duration"
)

// errRepoNotFound means the repository directory does not exist, which the
// server answers with 404 as GitHub does for an unknown repository.
var errRepoNotFound = errors.New("mirror: repository not found")

func releasesDir(dir, owner, name string) string {
	return filepath.Join(dir, owner, name, releasesDirName)
}

func releaseDir(dir, owner, name, tag string) string {
	return filepath.Join(releasesDir(dir, owner, name), tag)
}

func assetPath(dir, owner, name, tag, asset string) string {
	return filepath.Join(releaseDir(dir, owner, name, tag), assetsDirName, asset)
}

// tagExists reports whether a release directory for tag exists, corrupt or
// not: a corrupt release still owns its tag.
func tagExists(dir, owner, name, tag string) (bool, error) {
	_, err := os.Lstat(releaseDir(dir, owner, name, tag))
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	}
	return false, err
}

// loadReleases reads every release of owner/name, newest first. A corrupt
// release.json is logged with its path and skipped so that one bad release
// cannot hide the others. Entries that are not valid tag names are ignored.
func loadReleases(dir, owner, name string, log *zap.Logger) ([]releaseRecord, error) {
	if _, err := os.Stat(filepath.Join(dir, owner, name)); errors.Is(err, fs.ErrNotExist) {
		return nil, errRepoNotFound
	}
	entries, err := os.ReadDir(releasesDir(dir, owner, name))
	if errors.Is(err, fs.ErrNotExist) {
		// A repository without releases is an empty list, not an error.
		return []releaseRecord{}, nil
	}
	if err != nil {
		return nil, err
	}
	recs := make([]releaseRecord, 0, len(entries))
	for _, e := range entries {
		if !e.IsDir() || checkName(e.Name()) != nil {
			continue
		}
		path := filepath.Join(releasesDir(dir, owner, name), e.Name(), recordFileName)
		rec, err := readRecord(path, e.Name())
		if err != nil {
			log.Warn("skipping unreadable release", zap.String(logKeyFile, path), zap.Error(err))
			continue
		}
		recs = append(recs, rec)
	}
	sortNewestFirst(recs)
	return recs, nil
}

// loadRelease reads the release of owner/name tagged tag. A missing or
// corrupt release is fs.ErrNotExist to the caller; corruption is logged.
func loadRelease(dir, owner, name, tag string, log *zap.Logger) (releaseRecord, error) {
	if _, err := os.Stat(filepath.Join(dir, owner, name)); errors.Is(err, fs.ErrNotExist) {
		return releaseRecord{}, errRepoNotFound
	}
	path := filepath.Join(releaseDir(dir, owner, name, tag), recordFileName)
	rec, err := readRecord(path, tag)
	if errors.Is(err, ErrCorrupt) {
		log.Warn("skipping unreadable release", zap.String(logKeyFile, path), zap.Error(err))
		return releaseRecord{}, fs.ErrNotExist
	}
	return rec, err
}

// sortNewestFirst orders releases as the list endpoint returns them:
// published_at descending, then id descending so that releases published
// in the same second still have one stable order.
func sortNewestFirst(recs []releaseRecord) {
	slices.SortFunc(recs, func(a, b releaseRecord) int {
		if c := b.PublishedAt.Compare(a.PublishedAt); c != 0 {
			return c
		}
		return cmp.Compare(b.ID, a.ID)
	})
}
