package mirror_test

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-github/v66/github"

	"github.com/necoship/neco/pkg/mirror"
)

// storedDeployments is a deployments.json as doc.go documents it: two
// deployments of release-1 (staging succeeded, production in progress)
// and two of release-2 to staging (one failed, one in progress).
const storedDeployments = `{"deployments": [
 {"id": 11, "ref": "release-1", "environment": "staging-stg0", "description": "update 1",
  "payload": {"neco": {"update_id": 1, "site": "stg0"}}, "created_at": "2026-11-23T01:02:03Z",
  "statuses": [
   {"id": 111, "state": "in_progress", "environment": "staging-stg0", "description": "started", "created_at": "2026-11-23T01:02:03Z"},
   {"id": 112, "state": "success", "environment": "staging-stg0", "description": "completed", "created_at": "2026-11-23T01:05:03Z"}]},
 {"id": 12, "ref": "release-1", "environment": "production-tokyo0", "description": "", "payload": {},
  "created_at": "2026-11-23T02:02:03Z",
  "statuses": [{"id": 121, "state": "in_progress", "environment": "production-tokyo0", "description": "", "created_at": "2026-11-23T02:02:03Z"}]},
 {"id": 13, "ref": "release-2", "environment": "staging-stg0", "description": "", "payload": {},
  "created_at": "2026-11-23T03:02:03Z",
  "statuses": [
   {"id": 131, "state": "in_progress", "environment": "staging-stg0", "description": "", "created_at": "2026-11-23T03:02:03Z"},
   {"id": 132, "state": "failure", "environment": "staging-stg0", "description": "step 2 failed", "created_at": "2026-11-23T03:04:03Z"}]},
 {"id": 14, "ref": "release-2", "environment": "staging-stg0", "description": "", "payload": {},
  "created_at": "2026-11-23T04:02:03Z",
  "statuses": [{"id": 141, "state": "in_progress", "environment": "staging-stg0", "description": "", "created_at": "2026-11-23T04:02:03Z"}]}
]}`

// deploymentFixture serves a mirror holding release-1 and release-2 of
// testRepo and the given deployments.json.
func deploymentFixture(t *testing.T, content string) *fixture {
	t.Helper()
	f := newFixture(t, mirror.ServerOptions{})
	f.publish(mirror.PublishRequest{Tag: "release-1", PublishedAt: baseTime}, nil)
	f.publish(mirror.PublishRequest{Tag: "release-2", PublishedAt: baseTime.Add(time.Hour)}, nil)
	writeDeployments(t, f.dir, content)
	return f
}

func writeDeployments(t *testing.T, dir, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, testRepo, "deployments.json"), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// github returns a go-github client of the fixture's server, decoding its
// answers as neco's release client does.
func (f *fixture) github() *github.Client {
	gh := github.NewClient(nil)
	gh.BaseURL, _ = url.Parse(f.srv.URL + "/")
	return gh
}

func deploymentIDs(ds []*github.Deployment) []int64 {
	ids := []int64{}
	for _, d := range ds {
		ids = append(ids, d.GetID())
	}
	return ids
}

// TestServeDeployments reads a stored deployments.json through go-github:
// filters by ref and environment, newest first, pagination by Link, the
// fields of each deployment and status, and a 304 on a second poll.
func TestServeDeployments(t *testing.T) {
	f := deploymentFixture(t, storedDeployments)
	gh, ctx := f.github(), context.Background()
	owner, repo := splitTestRepo()
	list := func(opts *github.DeploymentsListOptions) ([]int64, *github.Response) {
		t.Helper()
		ds, resp, err := gh.Repositories.ListDeployments(ctx, owner, repo, opts)
		if err != nil {
			t.Fatalf("ListDeployments(%+v): %v", opts, err)
		}
		return deploymentIDs(ds), resp
	}
	for _, tt := range []struct {
		opts *github.DeploymentsListOptions
		want []int64
	}{
		{&github.DeploymentsListOptions{}, []int64{14, 13, 12, 11}},
		{&github.DeploymentsListOptions{Ref: "release-2", Environment: "staging-stg0"}, []int64{14, 13}},
		{&github.DeploymentsListOptions{Ref: "release-1"}, []int64{12, 11}},
		{&github.DeploymentsListOptions{Environment: "staging-stg0"}, []int64{14, 13, 11}},
		{&github.DeploymentsListOptions{Ref: "release-1", Environment: "staging"}, []int64{}},
		{&github.DeploymentsListOptions{Ref: "release-9"}, []int64{}},
		{&github.DeploymentsListOptions{SHA: "0123abcd"}, []int64{}},
		{&github.DeploymentsListOptions{Task: "deploy", Ref: "release-1"}, []int64{12, 11}},
	} {
		if got, _ := list(tt.opts); !slices.Equal(got, tt.want) {
			t.Errorf("ListDeployments(%+v) = %v, want %v", tt.opts, got, tt.want)
		}
	}
	got, resp := list(&github.DeploymentsListOptions{ListOptions: github.ListOptions{PerPage: 3}})
	if !slices.Equal(got, []int64{14, 13, 12}) || resp.NextPage != 2 || resp.LastPage != 2 {
		t.Errorf("page 1 of 3 = %v, next %d, last %d; want [14 13 12], 2, 2", got, resp.NextPage, resp.LastPage)
	}
	got, resp = list(&github.DeploymentsListOptions{ListOptions: github.ListOptions{PerPage: 3, Page: 2}})
	if !slices.Equal(got, []int64{11}) || resp.NextPage != 0 {
		t.Errorf("page 2 of 3 = %v, next %d; want [11], 0", got, resp.NextPage)
	}

	checkDeploymentJSON(t, f, gh)
	checkGitHubFields(t, f)

	path := "/repos/" + testRepo + "/deployments?ref=release-1&environment=staging-stg0&per_page=10"
	first, _ := f.get(http.MethodGet, path, nil)
	again, body := f.get(http.MethodGet, path, http.Header{"If-None-Match": {first.Header.Get("ETag")}})
	if first.Header.Get("Content-Type") != "application/json; charset=utf-8" || again.StatusCode != http.StatusNotModified || len(body) != 0 {
		t.Errorf("poll: Content-Type %q, then status %d with %d bytes; want JSON, then 304 and no body",
			first.Header.Get("Content-Type"), again.StatusCode, len(body))
	}
}

// checkDeploymentJSON compares deployment 11 and its statuses, as go-github
// decodes them, with what the stored file says.
func checkDeploymentJSON(t *testing.T, f *fixture, gh *github.Client) {
	t.Helper()
	ctx := context.Background()
	owner, repo := splitTestRepo()
	base := f.srv.URL + "/repos/" + testRepo
	creator := &github.User{Login: github.String("neco-mirror"), ID: github.Int64(1),
		NodeID: github.String(legacyNodeID("Bot", 1)), Type: github.String("Bot"), SiteAdmin: github.Bool(false)}
	at := func(minutes int) *github.Timestamp {
		return &github.Timestamp{Time: baseTime.Add(time.Duration(minutes) * time.Minute)}
	}
	want := &github.Deployment{
		URL: github.String(base + "/deployments/11"), ID: github.Int64(11), SHA: github.String(""),
		Ref: github.String("release-1"), Task: github.String("deploy"),
		Payload:     json.RawMessage(`{"neco":{"update_id":1,"site":"stg0"}}`),
		Environment: github.String("staging-stg0"), Description: github.String("update 1"), Creator: creator,
		CreatedAt: at(0), UpdatedAt: at(3), StatusesURL: github.String(base + "/deployments/11/statuses"),
		RepositoryURL: github.String(base), NodeID: github.String(legacyNodeID("Deployment", 11)),
	}
	got, _, err := gh.Repositories.GetDeployment(ctx, owner, repo, 11)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("deployment 11 (-want +got):\n%s", diff)
	}
	sts, _, err := gh.Repositories.ListDeploymentStatuses(ctx, owner, repo, 11, nil)
	if err != nil {
		t.Fatal(err)
	}
	status := func(id int64, state, desc string, minutes int) *github.DeploymentStatus {
		return &github.DeploymentStatus{ID: github.Int64(id), State: github.String(state), Creator: creator,
			Description: github.String(desc), Environment: github.String("staging-stg0"),
			NodeID: github.String(legacyNodeID("DeploymentStatus", id)), CreatedAt: at(minutes), UpdatedAt: at(minutes),
			TargetURL: github.String(""), DeploymentURL: want.URL, RepositoryURL: github.String(base),
			EnvironmentURL: github.String(""), LogURL: github.String(""),
			URL: github.String(base + "/deployments/11/statuses/" + formatID(id))}
	}
	wantStatuses := []*github.DeploymentStatus{status(112, "success", "completed", 3), status(111, "in_progress", "started", 0)}
	if diff := cmp.Diff(wantStatuses, sts); diff != "" {
		t.Errorf("statuses of 11, newest first (-want +got):\n%s", diff)
	}
	one, _, err := gh.Repositories.GetDeploymentStatus(ctx, owner, repo, 11, 111)
	if err != nil || !cmp.Equal(wantStatuses[1], one) {
		t.Errorf("status 111 = %+v, %v", one, err)
	}
}

// checkGitHubFields checks that every field of GitHub's list answers is
// present, go-github ignoring some of them, and the environment flags.
func checkGitHubFields(t *testing.T, f *fixture) {
	t.Helper()
	var raw []map[string]any
	f.getJSON("/repos/"+testRepo+"/deployments?ref=release-1", http.StatusOK, &raw)
	wantKeys := []string{"created_at", "creator", "description", "environment", "id", "node_id", "original_environment",
		"payload", "production_environment", "ref", "repository_url", "sha", "statuses_url", "task",
		"transient_environment", "updated_at", "url"}
	if keys := slices.Sorted(maps.Keys(raw[0])); !slices.Equal(keys, wantKeys) {
		t.Errorf("deployment fields %v, want GitHub's %v", keys, wantKeys)
	}
	if raw[0]["production_environment"] != true || raw[1]["production_environment"] != false ||
		raw[1]["original_environment"] != "staging-stg0" || raw[1]["transient_environment"] != false {
		t.Errorf("environment flags: %v / %v", raw[0], raw[1])
	}
	var rawStatuses []map[string]any
	f.getJSON("/repos/"+testRepo+"/deployments/11/statuses", http.StatusOK, &rawStatuses)
	wantKeys = []string{"created_at", "creator", "deployment_url", "description", "environment", "environment_url",
		"id", "log_url", "node_id", "repository_url", "state", "target_url", "updated_at", "url"}
	if keys := slices.Sorted(maps.Keys(rawStatuses[0])); !slices.Equal(keys, wantKeys) {
		t.Errorf("status fields %v, want GitHub's %v", keys, wantKeys)
	}
}

// TestDeploymentErrors: what GitHub answers 404 to is 404 here too, a
// repository without deployments lists none, and nothing can be written.
func TestDeploymentErrors(t *testing.T) {
	f := deploymentFixture(t, storedDeployments)
	f.publish(mirror.PublishRequest{Repo: "other/repo", Tag: "v1"}, nil)
	repo := "/repos/" + testRepo
	for _, tt := range []struct {
		method, path string
		want         int
	}{
		{"GET", "/repos/nobody/nothing/deployments", 404},
		{"GET", "/repos/nobody/nothing/deployments/11/statuses", 404},
		{"GET", repo + "/deployments/99", 404},
		{"GET", repo + "/deployments/99/statuses", 404},
		{"GET", repo + "/deployments/abc/statuses", 404},
		{"GET", repo + "/deployments/-11", 404},
		{"GET", repo + "/deployments/11/statuses/121", 404},
		{"GET", repo + "/deployments?per_page=0", 400},
		{"POST", repo + "/deployments", 405},
		{"POST", repo + "/deployments/11/statuses", 405},
	} {
		if resp, body := f.get(tt.method, tt.path, nil); resp.StatusCode != tt.want {
			t.Errorf("%s %s: status %d, want %d; body %s", tt.method, tt.path, resp.StatusCode, tt.want, body)
		}
	}
	var none []any
	f.getJSON("/repos/other/repo/deployments", http.StatusOK, &none)
	if none == nil || len(none) != 0 {
		t.Errorf("repository without deployments.json: %v, want []", none)
	}
	_, _, err := f.github().Repositories.ListDeploymentStatuses(context.Background(), "nobody", "nothing", 11, nil)
	var ghErr *github.ErrorResponse
	if !errors.As(err, &ghErr) || ghErr.Response.StatusCode != http.StatusNotFound || ghErr.Message != "Not Found" {
		t.Errorf("go-github sees %v, want GitHub's 404 Not Found", err)
	}
}

func splitTestRepo() (owner, repo string) {
	owner, repo, _ = strings.Cut(testRepo, "/")
	return owner, repo
}

func formatID(id int64) string { return strconv.FormatInt(id, 10) }
