package releases

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap/zaptest"

	"github.com/necoship/neco/pkg/mirror"
	"github.com/necoship/neco/pkg/model"
)

var _ mirror.DeploymentSource = (*Client)(nil)

// TestPromotionThroughMirror is the air-gapped promotion: staging records
// its rollouts on (fake) GitHub, neco mirror sync copies them into a
// mirror, and production's DeploymentSucceeded, pointed at the mirror,
// sees staging's success; a second mirror synced from the first holds the
// same file, with the same ids. Staging succeeding later shows after the
// next sync.
func TestPromotionThroughMirror(t *testing.T) {
	const done, running = "release-2026.12.04-1", "release-2026.12.05-1"
	f := newFakeGitHub(t)
	f.add(&fakeRelease{tag: done})
	f.add(&fakeRelease{tag: running})
	staging, _, _ := newTestClient(t, f, nil)
	ctx := context.Background()
	deploy := func(tag string, id int64, states ...string) model.Deployment {
		t.Helper()
		d := model.Deployment{Tag: tag, Environment: "staging-stg0", Description: "update", UpdateID: id, Site: "stg0"}
		if _, err := staging.StartDeployment(ctx, d); err != nil {
			t.Fatal(err)
		}
		for _, st := range states {
			if err := staging.FinishDeployment(ctx, d, st); err != nil {
				t.Fatal(err)
			}
		}
		return d
	}
	deploy(done, 1, "failure")
	deploy(done, 2, "success")
	inProgress := deploy(running, 3)

	dirA, dirB := t.TempDir(), t.TempDir()
	mirrorA, mirrorB := serveMirror(t, dirA), serveMirror(t, dirB)
	sync := func(src *Client, dir string) {
		t.Helper()
		if _, err := mirror.Sync(ctx, src, dir, fakeOwner+"/"+fakeRepo, zaptest.NewLogger(t)); err != nil {
			t.Fatalf("Sync into %s: %v", dir, err)
		}
	}
	sync(staging, dirA)
	sync(mirrorClient(t, mirrorA), dirB)
	fileA, fileB := deploymentsFile(t, dirA), deploymentsFile(t, dirB)
	if !bytes.Equal(fileA, fileB) {
		t.Errorf("mirror of a mirror differs:\n%s\n%s", fileA, fileB)
	}
	fromGitHub, err := staging.DeploymentRecords(ctx, done, 20)
	fromB, errB := mirrorClient(t, mirrorB).DeploymentRecords(ctx, done, 20)
	if err != nil || errB != nil {
		t.Fatal(err, errB)
	}
	if diff := cmp.Diff(fromGitHub, fromB); diff != "" || len(fromB) != 2 {
		t.Errorf("deployments of %s, GitHub against the second mirror (-github +mirror):\n%s", done, diff)
	}

	for _, m := range []*httptest.Server{mirrorA, mirrorB} {
		checkSucceeded(t, mirrorClient(t, m), done, "staging-stg0", true)
		checkSucceeded(t, mirrorClient(t, m), running, "staging-stg0", false)
		checkSucceeded(t, mirrorClient(t, m), done, "staging-other", false)
	}

	if err := staging.FinishDeployment(ctx, inProgress, "success"); err != nil {
		t.Fatal(err)
	}
	sync(staging, dirA)
	if bytes.Equal(fileA, deploymentsFile(t, dirA)) {
		t.Fatal("a new success on GitHub did not change the mirror's file")
	}
	sync(mirrorClient(t, mirrorA), dirB)
	checkSucceeded(t, mirrorClient(t, mirrorB), running, "staging-stg0", true)
}

// checkSucceeded asks c, as a production site's updater does, whether tag
// was deployed with success to env.
func checkSucceeded(t *testing.T, c *Client, tag, env string, want bool) {
	t.Helper()
	if got, err := c.DeploymentSucceeded(context.Background(), tag, env); err != nil || got != want {
		t.Errorf("DeploymentSucceeded(%s, %s) = %v, %v; want %v", tag, env, got, err, want)
	}
}

// TestDeploymentRecords: every environment's deployments of the ref,
// newest first and at most limit of them, statuses oldest first, and
// nothing of another ref when the server ignores the filter.
func TestDeploymentRecords(t *testing.T) {
	const tag, other = "release-2026.12.04-1", "release-2026.12.05-1"
	f := newFakeGitHub(t)
	f.add(&fakeRelease{tag: tag})
	f.add(&fakeRelease{tag: other})
	c, _, _ := newTestClient(t, f, nil)
	ctx := context.Background()
	for i, d := range []model.Deployment{
		{Tag: tag, Environment: "staging-stg0", UpdateID: 1},
		{Tag: other, Environment: "staging-stg0", UpdateID: 2},
		{Tag: tag, Environment: "production-tokyo0", UpdateID: 3},
		{Tag: tag, Environment: "staging-stg0", UpdateID: 4},
	} {
		if _, err := c.StartDeployment(ctx, d); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			if err := c.FinishDeployment(ctx, d, "success"); err != nil {
				t.Fatal(err)
			}
		}
	}
	f.mu.Lock()
	f.intercept = func(_ http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == "/repos/example/site/deployments" {
			r.URL.RawQuery = "" // a server that ignores ref
		}
		return false
	}
	f.mu.Unlock()
	recs, err := c.DeploymentRecords(ctx, tag, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs[0].ID != 5003 || recs[1].ID != 5002 || recs[1].Environment != "production-tokyo0" {
		t.Fatalf("records %+v; want 5003 then 5002 (production), newest first, limit 2", recs)
	}
	all, err := c.DeploymentRecords(ctx, tag, 20)
	if err != nil || len(all) != 3 || all[2].ID != 5000 {
		t.Fatalf("records %+v, %v; want 5003, 5002, 5000 (not 5001, of %s)", all, err, other)
	}
	sts := all[2].Statuses
	if len(sts) != 2 || sts[0].State != "in_progress" || sts[1].State != "success" || string(all[2].Payload) != `{"neco":{"update_id":1}}` {
		t.Errorf("deployment 5000: statuses %+v, payload %s; want in_progress then success, neco's payload", sts, all[2].Payload)
	}
}

func serveMirror(t *testing.T, dir string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(mirror.NewServer(dir, mirror.ServerOptions{Logger: zaptest.NewLogger(t)}))
	t.Cleanup(srv.Close)
	return srv
}

// mirrorClient is a client of the fake repository on a mirror, as an
// air-gapped site builds it (no token).
func mirrorClient(t *testing.T, srv *httptest.Server) *Client {
	t.Helper()
	c, err := New(Options{APIURL: srv.URL, Repo: fakeOwner + "/" + fakeRepo})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func deploymentsFile(t *testing.T, dir string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, fakeOwner, fakeRepo, "deployments.json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
