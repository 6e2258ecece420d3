package mirror_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap/zaptest"

	"github.com/necoship/neco/pkg/mirror"
	"github.com/necoship/neco/pkg/model"
)

// fakeSource is a Source whose behaviour each test supplies.
type fakeSource struct {
	listReleases  func(ctx context.Context) ([]model.Release, error)
	downloadAsset func(ctx context.Context, a model.Asset, w io.Writer) error
}

var _ mirror.Source = (*fakeSource)(nil)

func (s *fakeSource) ListReleases(ctx context.Context) ([]model.Release, error) {
	return s.listReleases(ctx)
}

func (s *fakeSource) DownloadAsset(ctx context.Context, a model.Asset, w io.Writer) error {
	return s.downloadAsset(ctx, a, w)
}

// contentSource serves releases whose asset contents are given by asset
// id, and counts downloads.
type contentSource struct {
	fakeSource
	mu        sync.Mutex
	downloads int
}

func newContentSource(rels []model.Release, content map[int64]string) *contentSource {
	s := &contentSource{}
	s.listReleases = func(context.Context) ([]model.Release, error) { return rels, nil }
	s.downloadAsset = func(ctx context.Context, a model.Asset, w io.Writer) error {
		s.mu.Lock()
		s.downloads++
		s.mu.Unlock()
		_, err := io.WriteString(w, content[a.ID])
		return err
	}
	return s
}

func sourceRelease(tag string, hours int, prerelease bool, assets ...model.Asset) model.Release {
	return model.Release{Tag: tag, Prerelease: prerelease,
		PublishedAt: baseTime.Add(time.Duration(hours) * time.Hour), Assets: assets}
}

func TestSync(t *testing.T) {
	f := newFixture(t, mirror.ServerOptions{})
	content := map[int64]string{101: "deb one", 102: "sums one", 201: "deb two"}
	rels := []model.Release{
		// Listed newest first, as GitHub does; Sync adds oldest first.
		sourceRelease("release-2", 2, true, model.Asset{ID: 201, Name: "b.deb", Size: 7}),
		sourceRelease("bad tag", 1, false),
		sourceRelease("release-1", 0, false,
			model.Asset{ID: 101, Name: "a.deb", Size: 7}, model.Asset{ID: 102, Name: "SHA256SUMS", Size: 8}),
	}
	src := newContentSource(rels, content)
	log := zaptest.NewLogger(t)

	added, err := mirror.Sync(context.Background(), src, f.dir, testRepo, log)
	if err != nil {
		t.Fatalf("Sync() error = %v", err)
	}
	if diff := cmp.Diff([]string{"release-1", "release-2"}, added); diff != "" {
		t.Errorf("added (-want +got):\n%s", diff)
	}
	var list []ghRelease
	f.getJSON("/repos/"+testRepo+"/releases", http.StatusOK, &list)
	if diff := cmp.Diff([]string{"release-2", "release-1"}, tags(list)); diff != "" {
		t.Errorf("served (-want +got):\n%s", diff)
	}
	if !list[0].Prerelease || list[1].Prerelease || !list[0].PublishedAt.Equal(baseTime.Add(2*time.Hour)) {
		t.Errorf("flags or time not copied: %+v", list)
	}
	want := map[string]string{"a.deb": "deb one", "SHA256SUMS": "sums one", "b.deb": "deb two"}
	for _, rel := range list {
		for _, a := range rel.Assets {
			if body := f.download(a); string(body) != want[a.Name] {
				t.Errorf("%s/%s = %q, want %q", rel.TagName, a.Name, body, want[a.Name])
			}
		}
	}

	// Idempotent: nothing new, nothing downloaded again.
	before := src.downloads
	added, err = mirror.Sync(context.Background(), src, f.dir, testRepo, log)
	if err != nil || len(added) != 0 || src.downloads != before {
		t.Errorf("second Sync() = %v, %v with %d new downloads; want nothing", added, err, src.downloads-before)
	}
}

// TestSyncFailureLeavesNothing checks that a release that fails midway
// (bad size, canceled context, source error) is not added, partially or
// at all, while releases added before it stay.
func TestSyncFailureLeavesNothing(t *testing.T) {
	good := sourceRelease("release-1", 0, false, model.Asset{ID: 1, Name: "a.deb", Size: 1})
	bad := sourceRelease("release-2", 1, false,
		model.Asset{ID: 2, Name: "b.deb", Size: 1}, model.Asset{ID: 3, Name: "c.deb", Size: 1})
	tests := []struct {
		name     string
		download func(ctx context.Context, cancel func(), a model.Asset, w io.Writer) error
		want     error
	}{
		{"size mismatch", func(_ context.Context, _ func(), a model.Asset, w io.Writer) error {
			_, err := fmt.Fprintf(w, "asset %d", a.ID) // longer than the announced 1 byte
			return err
		}, mirror.ErrSizeMismatch},
		{"canceled midway", func(_ context.Context, cancel func(), a model.Asset, w io.Writer) error {
			if a.ID == 3 {
				cancel() // a source that ignores ctx: the writer must stop it
			}
			_, err := io.WriteString(w, "x")
			return err
		}, context.Canceled},
		{"source error", func(_ context.Context, _ func(), a model.Asset, w io.Writer) error {
			if a.ID == 3 {
				return errSourceBroken
			}
			_, err := io.WriteString(w, "x")
			return err
		}, errSourceBroken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			src := &fakeSource{
				listReleases: func(context.Context) ([]model.Release, error) { return []model.Release{bad, good}, nil },
				downloadAsset: func(ctx context.Context, a model.Asset, w io.Writer) error {
					if a.ID == 1 {
						_, err := io.WriteString(w, "x")
						return err
					}
					return tt.download(ctx, cancel, a, w)
				},
			}
			added, err := mirror.Sync(ctx, src, dir, testRepo, zaptest.NewLogger(t))
			if !errors.Is(err, tt.want) {
				t.Fatalf("Sync() error = %v, want %v", err, tt.want)
			}
			if diff := cmp.Diff([]string{"release-1"}, added); diff != "" {
				t.Errorf("added (-want +got):\n%s", diff)
			}
			top, releases := releaseDirs(t, dir)
			if diff := cmp.Diff([]string{".lock", ".next-id", "cybozu-go"}, top); diff != "" {
				t.Errorf("mirror top level (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"release-1"}, releases); diff != "" {
				t.Errorf("releases (-want +got):\n%s", diff)
			}
		})
	}
}

var errSourceBroken = errors.New("source broken")
