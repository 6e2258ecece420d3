package mirror

import (
	"cmp"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/necoship/neco/pkg/model"
)

// ChecksumsName is the asset Publish generates: sha256sum(1) output over
// the other assets, which neco verifies downloads against.
const ChecksumsName = "SHA256SUMS"

// PublishRequest describes a release to add to a mirror.
type PublishRequest struct {
	// Repo is "owner/name".
	Repo string
	Tag  string
	// Name is the release title; empty means Tag.
	Name       string
	Body       string
	Prerelease bool
	Draft      bool
	// PublishedAt is stored with second precision in UTC, as GitHub
	// reports it; zero means now. It also becomes created_at of the
	// release and its assets, so a fixed value gives reproducible JSON.
	PublishedAt time.Time
	// Files are attached as assets named by their base names.
	Files []string
	// NoChecksums disables the generated SHA256SUMS asset. Without it, a
	// SHA256SUMS is generated over Files unless one of Files is itself
	// named SHA256SUMS (then it is attached as given) or Files is empty.
	NoChecksums bool
}

// Publish adds a release to the mirror at dir, creating dir if needed, and
// returns it. It refuses a tag that already exists (ErrExists) and any
// name that is not a safe path element (ErrInvalidName). Files are copied,
// never moved or linked, so the caller's files may change afterwards.
// All or nothing: on any error the mirror is left as it was.
func Publish(dir string, req PublishRequest) (model.Release, error) {
	// Publish copies local files; it has no caller context to honour, but
	// the shared staging code takes one for Sync.
	rel, err := publish(context.Background(), dir, req)
	if err != nil {
		return model.Release{}, fmt.Errorf("publish %s: %w", req.Tag, err)
	}
	return rel, nil
}

func publish(ctx context.Context, dir string, req PublishRequest) (model.Release, error) {
	owner, name, assetNames, err := req.validate()
	if err != nil {
		return model.Release{}, err
	}
	if ok, err := tagExists(dir, owner, name, req.Tag); err != nil {
		return model.Release{}, err
	} else if ok {
		return model.Release{}, fmt.Errorf("%w: %s %s", ErrExists, req.Repo, req.Tag)
	}
	at := req.PublishedAt
	if at.IsZero() {
		at = time.Now()
	}
	at = at.UTC().Truncate(time.Second)

	st, err := newStage(dir)
	if err != nil {
		return model.Release{}, fmt.Errorf("stage: %w", err)
	}
	defer st.discard()
	assets, err := stageFiles(ctx, st, req, assetNames, at)
	if err != nil {
		return model.Release{}, err
	}
	rec := releaseRecord{
		TagName:     req.Tag,
		Name:        cmp.Or(req.Name, req.Tag),
		Body:        req.Body,
		Draft:       req.Draft,
		Prerelease:  req.Prerelease,
		CreatedAt:   at,
		PublishedAt: at,
		Assets:      assets,
	}
	if err := assignIDs(ctx, dir, &rec); err != nil {
		return model.Release{}, err
	}
	if err := st.commit(ctx, owner, name, rec); err != nil {
		return model.Release{}, err
	}
	return rec.model(), nil
}

// validate checks every name before any file is touched and returns the
// asset names in Files order.
func (req PublishRequest) validate() (owner, name string, assets []string, err error) {
	owner, name, err = splitRepo(req.Repo)
	if err != nil {
		return "", "", nil, err
	}
	if err := checkName(req.Tag); err != nil {
		return "", "", nil, fmt.Errorf("tag: %w", err)
	}
	assets = make([]string, 0, len(req.Files))
	for _, f := range req.Files {
		a := filepath.Base(f)
		if err := checkName(a); err != nil {
			return "", "", nil, fmt.Errorf("asset %s: %w", f, err)
		}
		if slices.Contains(assets, a) {
			return "", "", nil, fmt.Errorf("asset %s: %w: name %q attached twice", f, ErrInvalidName, a)
		}
		assets = append(assets, a)
	}
	return owner, name, assets, nil
}

// stageFiles copies Files into the stage and appends the generated
// SHA256SUMS when one is wanted. Ids are assigned later, once everything
// has been copied, so the id lock is never held during a copy.
func stageFiles(ctx context.Context, st *stage, req PublishRequest, names []string, at time.Time) ([]assetRecord, error) {
	assets := make([]assetRecord, 0, len(names)+1)
	sums := make(map[string][]byte, len(names))
	for i, path := range req.Files {
		size, sum, err := st.writeAsset(ctx, names[i], func(w io.Writer) error { return copyFile(w, path) })
		if err != nil {
			return nil, fmt.Errorf("asset %s: %w", path, err)
		}
		sums[names[i]] = sum
		assets = append(assets, newAssetRecord(names[i], size, at))
	}
	if req.NoChecksums || len(names) == 0 || slices.Contains(names, ChecksumsName) {
		return assets, nil
	}
	content := checksums(sums)
	size, _, err := st.writeAsset(ctx, ChecksumsName, func(w io.Writer) error {
		_, err := io.WriteString(w, content)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("asset %s: %w", ChecksumsName, err)
	}
	return append(assets, newAssetRecord(ChecksumsName, size, at)), nil
}

// copyFile streams the regular file at path to w. Anything else is refused:
// a directory cannot be an asset, and a device could stream forever.
func copyFile(w io.Writer, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("not a regular file (%s)", fi.Mode().Type())
	}
	_, err = io.Copy(w, f)
	return err
}

// checksums renders sha256sum(1) output, sorted by name.
func checksums(sums map[string][]byte) string {
	var b strings.Builder
	for _, name := range slices.Sorted(maps.Keys(sums)) {
		fmt.Fprintf(&b, "%s  %s\n", hex.EncodeToString(sums[name]), name)
	}
	return b.String()
}

func newAssetRecord(name string, size int64, at time.Time) assetRecord {
	return assetRecord{Name: name, Size: size, ContentType: contentType(name), CreatedAt: at, UpdatedAt: at}
}

// assignIDs reserves one id for the release and one per asset.
func assignIDs(ctx context.Context, dir string, rec *releaseRecord) error {
	first, err := allocIDs(ctx, dir, 1+len(rec.Assets))
	if err != nil {
		return fmt.Errorf("allocate ids: %w", err)
	}
	rec.ID = first
	for i := range rec.Assets {
		rec.Assets[i].ID = first + 1 + int64(i)
	}
	return nil
}
