package releases

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/notify"
)

// The Client is what pkg/notify's deployment sender drives. The check
// lives in this package's tests: notify must not import go-github, even
// through releases.
var _ notify.DeploymentAPI = (*Client)(nil)

// End to end: the updater's dispatcher, the deployment sender and this
// client against the fake GitHub, for an update that starts then succeeds.
func TestDeploymentsThroughDispatcher(t *testing.T) {
	const tag = "release-2026.11.23-1"
	f := newFakeGitHub(t)
	f.add(&fakeRelease{tag: tag, failingChecks: true})
	type status struct {
		id    int64
		state string
	}
	statuses := make(chan status, 16)
	f.mu.Lock()
	f.onStatus = func(id int64, state string) { statuses <- status{id, state} }
	f.mu.Unlock()

	c, _, _ := newTestClient(t, f, nil)
	d := notify.NewDispatcher(notify.Options{Attempts: 1}, notify.NewDeployments(c))
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { defer close(stopped); d.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-stopped })

	start := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	u := model.Update{ID: 42, Version: model.MustParseVersion("2026.11.23-1"), Tag: tag, Servers: []int{0, 1, 2},
		Reason: model.ReasonUpdate, StartedAt: start}
	h := model.HistoryEntry{ID: 42, Version: u.Version, Tag: tag, Reason: u.Reason, Result: model.ResultCompleted,
		Servers: u.Servers, StartedAt: start, FinishedAt: start.Add(90 * time.Second)}
	d.Notify(notify.Started(u, "staging", ""))
	d.Notify(notify.Finished(u, h, "staging", ""))

	var got []status
	for len(got) < 2 {
		select {
		case s := <-statuses:
			got = append(got, s)
		case <-time.After(10 * time.Second):
			t.Fatalf("statuses so far %v; calls %+v", got, f.deployCallsSoFar())
		}
	}
	if got[0].state != "in_progress" || got[1].state != "success" || got[0].id != got[1].id {
		t.Fatalf("statuses = %v, want in_progress then success on one deployment", got)
	}

	id := got[0].id
	statusPath := fmt.Sprintf("%s/%d/statuses", deploymentsPath, id)
	const startDesc = "neco update 42: 2026.11.23-1 on servers 0, 1, 2"
	query := url.Values{"ref": {tag}, "environment": {"staging"}, "per_page": {"100"}}.Encode()
	want := []deployCall{
		{Method: "POST", Path: deploymentsPath, Auth: "Bearer test-token", Body: decodeJSON(t, `{
			"ref": "`+tag+`", "environment": "staging", "description": "`+startDesc+`",
			"auto_merge": false, "required_contexts": [],
			"transient_environment": false, "production_environment": false}`)},
		{Method: "POST", Path: statusPath, Auth: "Bearer test-token",
			Body: decodeJSON(t, `{"state": "in_progress", "environment": "staging", "description": "`+startDesc+`"}`)},
		{Method: "GET", Path: deploymentsPath, Query: query, Auth: "Bearer test-token"},
		{Method: "POST", Path: statusPath, Auth: "Bearer test-token", Body: decodeJSON(t, `{
			"state": "success", "environment": "staging",
			"description": "neco update 42 completed: 2026.11.23-1 on servers 0, 1, 2 in 1m30s"}`)},
	}
	if diff := cmp.Diff(want, f.deployCallsSoFar()); diff != "" {
		t.Errorf("requests mismatch (-want +got):\n%s", diff)
	}
}
