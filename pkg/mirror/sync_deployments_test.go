package mirror_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-github/v66/github"
	"go.uber.org/zap/zaptest"

	"github.com/necoship/neco/pkg/mirror"
	"github.com/necoship/neco/pkg/model"
)

// deploymentSource is a Source with deployments: it lists what records
// holds for a ref, whatever the limit (the mirror must bound it), and
// remembers which refs it was asked about.
type deploymentSource struct {
	*contentSource
	mu      sync.Mutex
	records map[string][]model.DeploymentRecord
	asked   []string
	fail    error // returned for every ref when set
}

var _ mirror.DeploymentSource = (*deploymentSource)(nil)

func (s *deploymentSource) DeploymentRecords(_ context.Context, ref string, _ int) ([]model.DeploymentRecord, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.asked = append(s.asked, ref)
	if s.fail != nil {
		return nil, s.fail
	}
	return slices.Clone(s.records[ref]), nil
}

// newDeploymentSource has releases release-1 .. release-n, one an hour,
// and, when draft, a newer draft release-(n+1).
func newDeploymentSource(n int, draft bool) *deploymentSource {
	var rels []model.Release
	for i := 1; i <= n; i++ {
		rels = append(rels, sourceRelease(fmt.Sprintf("release-%d", i), i, false))
	}
	if draft {
		d := sourceRelease(fmt.Sprintf("release-%d", n+1), n+1, false)
		d.Draft = true
		rels = append(rels, d)
	}
	return &deploymentSource{contentSource: newContentSource(rels, nil), records: map[string][]model.DeploymentRecord{}}
}

// sourceDeployment is a deployment of ref to env whose statuses have the
// given states, oldest first.
func sourceDeployment(id int64, ref, env string, states ...string) model.DeploymentRecord {
	d := model.DeploymentRecord{ID: id, Ref: ref, Environment: env, Description: "update of " + ref,
		Payload:   json.RawMessage(`{"neco": {"update_id": 1, "site": "stg0"}}`),
		CreatedAt: baseTime.Add(time.Duration(id) * time.Minute)}
	for i, st := range states {
		d.Statuses = append(d.Statuses, model.DeploymentStatusRecord{ID: id*1000 + int64(i), State: st,
			Environment: env, CreatedAt: d.CreatedAt.Add(time.Duration(i) * time.Second)})
	}
	return d
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// syncedSource is a source of 25 releases and a newer draft, with
// deployments of release-25, release-20 and release-5, one of them listed
// under release-25 for release-1 (as by a source ignoring the filter).
func syncedSource() *deploymentSource {
	src := newDeploymentSource(25, true)
	src.records["release-25"] = []model.DeploymentRecord{
		sourceDeployment(252, "release-25", "production-tokyo0", "in_progress"),
		sourceDeployment(251, "release-25", "staging-stg0", "in_progress", "success"),
		sourceDeployment(7, "release-1", "staging-stg0", "success"),
	}
	src.records["release-20"] = []model.DeploymentRecord{sourceDeployment(201, "release-20", "staging-stg0", "failure")}
	src.records["release-5"] = []model.DeploymentRecord{sourceDeployment(51, "release-5", "staging-stg0", "success")}
	return src
}

// TestSyncDeployments: Sync copies the deployments of the newest 20
// non-draft tags, and leaves out what the source listed for another ref.
func TestSyncDeployments(t *testing.T) {
	f := newFixture(t, mirror.ServerOptions{})
	src := syncedSource()
	ctx := context.Background()
	if _, err := mirror.Sync(ctx, src, f.dir, testRepo, zaptest.NewLogger(t)); err != nil {
		t.Fatalf("Sync() error = %v", err)
	}
	var want []string
	for i := 25; i > 5; i-- {
		want = append(want, fmt.Sprintf("release-%d", i))
	}
	if diff := cmp.Diff(want, src.asked); diff != "" {
		t.Errorf("tags asked about (-want +got):\n%s", diff)
	}
	gh, owner, repo := f.github(), "cybozu-go", "neco-apps"
	ds, _, err := gh.Repositories.ListDeployments(ctx, owner, repo, nil)
	if err != nil || !slices.Equal(deploymentIDs(ds), []int64{252, 251, 201}) {
		t.Fatalf("served deployments %v, %v; want [252 251 201]", deploymentIDs(ds), err)
	}
	sts, _, err := gh.Repositories.ListDeploymentStatuses(ctx, owner, repo, 251, nil)
	if err != nil || len(sts) != 2 || sts[0].GetState() != "success" || sts[0].GetID() != 251001 {
		t.Fatalf("statuses of 251: %v, %v; want success (251001) first", sts, err)
	}
}

// TestSyncDeploymentsIdempotent: a second Sync leaves the file untouched
// (same bytes, same ids, not rewritten), a change at the source changes
// it, a failing source leaves it as it was, and a Source without
// deployments writes none.
func TestSyncDeploymentsIdempotent(t *testing.T) {
	dir, src := t.TempDir(), syncedSource()
	ctx, log := context.Background(), zaptest.NewLogger(t)
	path := filepath.Join(dir, testRepo, "deployments.json")
	if _, err := mirror.Sync(ctx, src, dir, testRepo, log); err != nil {
		t.Fatal(err)
	}
	before, stat := readFile(t, path), mustStat(t, path)
	if _, err := mirror.Sync(ctx, src, dir, testRepo, log); err != nil {
		t.Fatal(err)
	}
	if after := readFile(t, path); !bytes.Equal(before, after) || !mustStat(t, path).ModTime().Equal(stat.ModTime()) {
		t.Errorf("second Sync changed or rewrote the file:\n%s\n%s", before, after)
	}

	d := &src.records["release-25"][1]
	d.Statuses = append(d.Statuses, model.DeploymentStatusRecord{ID: 251002, State: "inactive", Environment: "staging-stg0"})
	if _, err := mirror.Sync(ctx, src, dir, testRepo, log); err != nil {
		t.Fatal(err)
	}
	changed := readFile(t, path)
	if bytes.Equal(before, changed) || !bytes.Contains(changed, []byte(`"id":251002,"state":"inactive"`)) {
		t.Errorf("a new status at the source was not copied:\n%s", changed)
	}

	src.fail = errSourceBroken
	if _, err := mirror.Sync(ctx, src, dir, testRepo, log); !errors.Is(err, errSourceBroken) || !errors.Is(err, mirror.ErrDeploymentSync) {
		t.Errorf("Sync() with a failing source: %v, want %v and ErrDeploymentSync", err, errSourceBroken)
	}
	if !bytes.Equal(changed, readFile(t, path)) {
		t.Error("a failed Sync changed deployments.json")
	}

	plain := t.TempDir()
	if added, err := mirror.Sync(ctx, src.contentSource, plain, testRepo, log); err != nil || len(added) != 26 {
		t.Fatalf("Sync() of a plain Source = %d added, %v", len(added), err)
	}
	if _, err := os.Stat(filepath.Join(plain, testRepo, "deployments.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("plain Source: deployments.json %v, want none", err)
	}
}

func mustStat(t *testing.T, path string) os.FileInfo {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi
}

// storedFile is deployments.json as doc.go documents it.
type storedFile struct {
	Deployments []struct {
		ID          int64           `json:"id"`
		Ref         string          `json:"ref"`
		Environment string          `json:"environment"`
		Description string          `json:"description"`
		Payload     json.RawMessage `json:"payload"`
		Statuses    []struct {
			ID    int64  `json:"id"`
			State string `json:"state"`
		} `json:"statuses"`
	} `json:"deployments"`
}

func readStored(t *testing.T, dir string) storedFile {
	t.Helper()
	var s storedFile
	if err := json.Unmarshal(readFile(t, filepath.Join(dir, testRepo, "deployments.json")), &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// githubDeployment is one deployment as go-github decodes it; failing the
// test when the server does not serve it.
func githubDeployment(t *testing.T, gh *github.Client, id int64) *github.Deployment {
	t.Helper()
	d, _, err := gh.Repositories.GetDeployment(context.Background(), "cybozu-go", "neco-apps", id)
	if err != nil {
		t.Fatalf("GetDeployment(%d): %v", id, err)
	}
	return d
}
