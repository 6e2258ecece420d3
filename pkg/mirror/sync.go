package mirror

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"go.uber.org/zap"

	"github.com/necoship/neco/pkg/model"
)

// ErrSizeMismatch is wrapped when a downloaded asset's size differs from
// the size its source announced: a truncated or altered download.
var ErrSizeMismatch = errors.New("mirror: asset size mismatch")

// ErrDeploymentSync is wrapped when Sync added the releases but could not
// copy the deployments (see DeploymentSource); deployments.json is then
// left as it was.
var ErrDeploymentSync = errors.New("mirror: copying deployments failed")

// Source is a GitHub-like origin of releases for Sync: GitHub itself
// through the releases package, or another mirror. It is an interface here
// so that this package need not import a GitHub client.
type Source interface {
	// ListReleases returns all releases of the source repository.
	ListReleases(ctx context.Context) ([]model.Release, error)
	// DownloadAsset writes the content of a, one of the listed assets, to w.
	DownloadAsset(ctx context.Context, a model.Asset, w io.Writer) error
}

// Sync copies the releases of src that the mirror at dir lacks into
// repository repo ("owner/name") and returns the tags it added, oldest
// first. Releases whose tag already exists are skipped, so Sync is
// idempotent and an interrupted Sync is finished by running it again.
//
// Each release is added atomically, as by Publish; a release whose tag or
// asset names cannot be stored is skipped with a warning (the mirror
// cannot represent it, and one such release must not block the others).
// Any other error, including ErrSizeMismatch and ctx's cancellation, stops
// Sync: releases added before it stay, the failing one leaves nothing.
//
// The source's release names and bodies are not part of model.Release, so
// synced releases are titled with their tag and have an empty body.
//
// When src is also a DeploymentSource, Sync then replaces the repository's
// deployments.json with the source's deployments of the newest
// MaxDeploymentTags stored tags (see doc.go); a failure there leaves the
// file as it was and is returned after the releases were added.
func Sync(ctx context.Context, src Source, dir, repo string, log *zap.Logger) (added []string, err error) {
	if log == nil {
		log = zap.NewNop()
	}
	owner, name, err := splitRepo(repo)
	if err != nil {
		return nil, fmt.Errorf("sync %s: %w", repo, err)
	}
	rels, err := src.ListReleases(ctx)
	if err != nil {
		return nil, fmt.Errorf("sync %s: list releases: %w", repo, err)
	}
	// Oldest first, so that mirror ids grow with age as GitHub's do. A
	// copy, because the slice belongs to the source.
	rels = slices.Clone(rels)
	slices.SortStableFunc(rels, func(a, b model.Release) int {
		return cmp.Or(a.PublishedAt.Compare(b.PublishedAt), cmp.Compare(a.Tag, b.Tag))
	})
	log = log.With(zap.String(logKeyRepo, repo))
	for _, rel := range rels {
		if err := ctx.Err(); err != nil {
			return added, fmt.Errorf("sync %s: %w", repo, err)
		}
		ok, err := syncOne(ctx, src, dir, owner, name, rel, log)
		if err != nil {
			return added, fmt.Errorf("sync %s %s: %w", repo, rel.Tag, err)
		}
		if ok {
			added = append(added, rel.Tag)
		}
	}
	// Optional, so that a Source that only has releases still works.
	if ds, ok := src.(DeploymentSource); ok {
		tags, err := deploymentTags(dir, owner, name, rels)
		if err == nil {
			err = syncDeployments(ctx, ds, dir, owner, name, tags, log)
		}
		if err != nil {
			return added, fmt.Errorf("sync %s: %w: %w", repo, ErrDeploymentSync, err)
		}
	}
	return added, nil
}

// syncOne adds rel unless it exists or cannot be stored, reporting whether
// it was added.
func syncOne(ctx context.Context, src Source, dir, owner, name string, rel model.Release, log *zap.Logger) (bool, error) {
	log = log.With(zap.String(logKeyTag, rel.Tag))
	if err := checkReleaseNames(rel); err != nil {
		log.Warn("skipping release the mirror cannot store", zap.Error(err))
		return false, nil
	}
	exists, err := tagExists(dir, owner, name, rel.Tag)
	if err != nil {
		return false, err
	}
	if exists {
		log.Debug("release already mirrored")
		return false, nil
	}
	err = syncRelease(ctx, src, dir, owner, name, rel)
	if errors.Is(err, ErrExists) {
		// Another Sync or Publish added it meanwhile; that is success.
		log.Debug("release added concurrently")
		return false, nil
	}
	if err != nil {
		return false, err
	}
	log.Info("release mirrored", zap.Int(logKeyAssets, len(rel.Assets)))
	return true, nil
}

// checkReleaseNames reports a tag or asset name the mirror cannot store.
func checkReleaseNames(rel model.Release) error {
	if err := checkName(rel.Tag); err != nil {
		return fmt.Errorf("tag: %w", err)
	}
	seen := make(map[string]bool, len(rel.Assets))
	for _, a := range rel.Assets {
		if err := checkName(a.Name); err != nil {
			return fmt.Errorf("asset: %w", err)
		}
		if seen[a.Name] {
			return fmt.Errorf("asset %q: %w: listed twice", a.Name, ErrInvalidName)
		}
		seen[a.Name] = true
	}
	return nil
}

// syncRelease downloads rel's assets into a stage and commits it.
func syncRelease(ctx context.Context, src Source, dir, owner, name string, rel model.Release) error {
	st, err := newStage(dir)
	if err != nil {
		return fmt.Errorf("stage: %w", err)
	}
	defer st.discard()
	at := rel.PublishedAt.UTC().Truncate(time.Second)
	if rel.PublishedAt.IsZero() {
		at = time.Now().UTC().Truncate(time.Second)
	}
	assets := make([]assetRecord, 0, len(rel.Assets))
	for _, a := range rel.Assets {
		size, _, err := st.writeAsset(ctx, a.Name, func(w io.Writer) error {
			return src.DownloadAsset(ctx, a, w)
		})
		if err != nil {
			return fmt.Errorf("download %s: %w", a.Name, err)
		}
		if size != a.Size {
			return fmt.Errorf("download %s: %w: got %d bytes, want %d", a.Name, ErrSizeMismatch, size, a.Size)
		}
		assets = append(assets, newAssetRecord(a.Name, size, at))
	}
	rec := releaseRecord{
		TagName:     rel.Tag,
		Name:        rel.Tag,
		Draft:       rel.Draft,
		Prerelease:  rel.Prerelease,
		CreatedAt:   at,
		PublishedAt: at,
		Assets:      assets,
	}
	if err := assignIDs(ctx, dir, &rec); err != nil {
		return err
	}
	return st.commit(ctx, owner, name, rec)
}
