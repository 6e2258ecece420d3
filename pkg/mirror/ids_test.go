package mirror_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/necoship/neco/pkg/mirror"
	"github.com/necoship/neco/pkg/model"
)

// collectIDs returns every release and asset id of rels.
func collectIDs(rels []model.Release, ids map[int64]string) error {
	for _, r := range rels {
		for _, a := range r.Assets {
			if prev, dup := ids[a.ID]; dup {
				return fmt.Errorf("id %d of %s/%s already used by %s", a.ID, r.Tag, a.Name, prev)
			}
			ids[a.ID] = r.Tag + "/" + a.Name
		}
	}
	return nil
}

// TestPublishConcurrentIDs publishes different tags from several
// goroutines at once; every release and asset must get its own id.
func TestPublishConcurrentIDs(t *testing.T) {
	dir, scratch := t.TempDir(), t.TempDir()
	file := filepath.Join(scratch, "a.deb")
	if err := os.WriteFile(file, []byte("a"), 0o644); err != nil {
		t.Fatal(err)
	}
	const workers, each = 8, 4
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		rels []model.Release
	)
	releaseIDs := map[int64]string{}
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				tag := fmt.Sprintf("v%d.%d", w, i)
				rel, err := mirror.Publish(dir, mirror.PublishRequest{Repo: testRepo, Tag: tag, Files: []string{file}})
				if err != nil {
					t.Errorf("Publish(%s): %v", tag, err)
					return
				}
				mu.Lock()
				rels = append(rels, rel)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(rels) != workers*each {
		t.Fatalf("published %d releases, want %d", len(rels), workers*each)
	}
	// Release ids are not in model.Release; read them from the records.
	for _, r := range rels {
		id := readReleaseID(t, dir, r.Tag)
		if prev, dup := releaseIDs[id]; dup {
			t.Errorf("release id %d of %s already used by %s", id, r.Tag, prev)
		}
		releaseIDs[id] = r.Tag
	}
	if err := collectIDs(rels, releaseIDs); err != nil {
		t.Error(err)
	}
	for id := range releaseIDs {
		if id < 1 {
			t.Errorf("id %d is not positive", id)
		}
	}
}

// TestIDsWithoutCounter checks that a mirror copied without its .next-id
// continues after the largest id in the tree instead of reusing ids.
func TestIDsWithoutCounter(t *testing.T) {
	dir := t.TempDir()
	if _, err := mirror.Publish(dir, mirror.PublishRequest{Repo: testRepo, Tag: "v1"}); err != nil {
		t.Fatal(err)
	}
	writeRecord(t, dir, "v2", 41, baseTime)
	if err := os.Remove(filepath.Join(dir, ".next-id")); err != nil {
		t.Fatal(err)
	}
	if _, err := mirror.Publish(dir, mirror.PublishRequest{Repo: testRepo, Tag: "v3"}); err != nil {
		t.Fatal(err)
	}
	if got := readReleaseID(t, dir, "v3"); got != 42 {
		t.Errorf("release id after a lost counter = %d, want 42", got)
	}
}

// readReleaseID reads the id from a release's release.json.
func readReleaseID(t *testing.T, dir, tag string) int64 {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, testRepo, "releases", tag, "release.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rec struct {
		ID int64 `json:"id"`
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		t.Fatal(err)
	}
	return rec.ID
}

// TestPublishSameTagRace publishes one tag from several goroutines:
// exactly one wins, the others get ErrExists, and no staging is left.
func TestPublishSameTagRace(t *testing.T) {
	dir := t.TempDir()
	const n = 8
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			_, err := mirror.Publish(dir, mirror.PublishRequest{Repo: testRepo, Tag: "v1"})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	won := 0
	for err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, mirror.ErrExists):
			t.Errorf("Publish() error = %v, want ErrExists", err)
		}
	}
	if won != 1 {
		t.Errorf("%d publishes of one tag succeeded, want 1", won)
	}
	top, releases := releaseDirs(t, dir)
	if len(top) != 3 || len(releases) != 1 {
		t.Errorf("left: top %v, releases %v", top, releases)
	}
}
