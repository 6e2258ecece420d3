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
			"payload": {"neco": {"update_id": 42}},
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

// TestTwoSitesFinishTheirOwnDeployments: two sites of one env record the
// same release against one API server, each through its own client and
// dispatcher; whichever finishes first, each finishes only the deployment
// it started. Named sites get environments of their own; two sites that
// share the environment (neither named) are told apart by the payload.
func TestTwoSitesFinishTheirOwnDeployments(t *testing.T) {
	const tag = "release-2026.11.23-1"
	start := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	update := func(id int64) model.Update {
		return model.Update{ID: id, Version: model.MustParseVersion("2026.11.23-1"), Tag: tag, Servers: []int{0},
			Reason: model.ReasonUpdate, StartedAt: start}
	}
	ended := func(u model.Update, r model.Result) model.HistoryEntry {
		return model.HistoryEntry{ID: u.ID, Version: u.Version, Tag: tag, Reason: u.Reason, Result: r,
			Servers: u.Servers, StartedAt: start, FinishedAt: start.Add(time.Minute)}
	}
	for _, sites := range [][2]string{{"tokyo0", "osaka0"}, {"", ""}} {
		t.Run(fmt.Sprintf("%q and %q", sites[0], sites[1]), func(t *testing.T) {
			f := newFakeGitHub(t)
			f.add(&fakeRelease{tag: tag})
			ca, _, _ := newTestClient(t, f, nil)
			cb, _, _ := newTestClient(t, f, nil)
			a, b := update(5), update(9) // each site numbers its own updates
			send := func(c *Client, e notify.Event, site string) {
				e.Site = site
				if err := notify.NewDeployments(c).Send(context.Background(), e); err != nil {
					t.Fatalf("site %q: %v", site, err)
				}
			}
			send(ca, notify.Started(a, "staging", ""), sites[0])
			send(cb, notify.Started(b, "staging", ""), sites[1])
			// B started last; A finishes first and must not take B's.
			send(ca, notify.Finished(a, ended(a, model.ResultAborted), "staging", ""), sites[0])
			send(cb, notify.Finished(b, ended(b, model.ResultCompleted), "staging", ""), sites[1])

			f.mu.Lock()
			got := map[string][]string{}
			for _, d := range f.deployments {
				var states []string
				for _, st := range d.statuses {
					states = append(states, st.state)
				}
				got[fmt.Sprintf("%s %v", d.env, d.payload)] = states
			}
			f.mu.Unlock()
			want := map[string][]string{
				fmt.Sprintf("%s map[neco:map[site:%s update_id:5]]", model.DeploymentEnvironment("staging", sites[0]), sites[0]): {"in_progress", "failure"},
				fmt.Sprintf("%s map[neco:map[site:%s update_id:9]]", model.DeploymentEnvironment("staging", sites[1]), sites[1]): {"in_progress", "success"},
			}
			if sites[0] == "" {
				want = map[string][]string{
					"staging map[neco:map[update_id:5]]": {"in_progress", "failure"},
					"staging map[neco:map[update_id:9]]": {"in_progress", "success"},
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("deployments and their statuses (-want +got):\n%s", diff)
			}
		})
	}
}
