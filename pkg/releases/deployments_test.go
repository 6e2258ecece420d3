package releases

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/necoship/neco/pkg/model"
)

const deploymentsPath = "/repos/" + fakeOwner + "/" + fakeRepo + "/deployments"

// decodeJSON turns a JSON literal into what the fake decodes bodies to.
func decodeJSON(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("bad expected JSON %s: %v", s, err)
	}
	return v
}

func TestStartDeployment(t *testing.T) {
	for _, env := range []string{"staging", "production"} {
		t.Run(env, func(t *testing.T) {
			f := newFakeGitHub(t)
			// Failing checks: GitHub deploys it only with required_contexts [].
			f.add(&fakeRelease{tag: "release-2026.11.23-1", failingChecks: true})
			c, _, _ := newTestClient(t, f, nil)
			id, err := c.StartDeployment(context.Background(), model.Deployment{Tag: "release-2026.11.23-1", Environment: env,
				Description: "neco update 42: 2026.11.23-1 on servers 0, 1, 2", UpdateID: 42})
			if err != nil {
				t.Fatal(err)
			}
			want := []deployCall{
				{Method: "POST", Path: deploymentsPath, Auth: "Bearer test-token", Body: decodeJSON(t, fmt.Sprintf(`{
					"ref": "release-2026.11.23-1", "environment": %q,
					"description": "neco update 42: 2026.11.23-1 on servers 0, 1, 2",
					"payload": {"neco": {"update_id": 42}},
					"auto_merge": false, "required_contexts": [],
					"transient_environment": false, "production_environment": %t}`, env, env == "production"))},
				{Method: "POST", Path: fmt.Sprintf("%s/%d/statuses", deploymentsPath, id), Auth: "Bearer test-token", Body: decodeJSON(t, fmt.Sprintf(`{
					"state": "in_progress", "environment": %q,
					"description": "neco update 42: 2026.11.23-1 on servers 0, 1, 2"}`, env))},
			}
			if diff := cmp.Diff(want, f.deployCallsSoFar()); diff != "" {
				t.Errorf("requests mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"in_progress"}, f.states(id)); diff != "" {
				t.Errorf("statuses mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFinishDeploymentTakesNewest(t *testing.T) {
	const tag = "release-2026.11.23-1"
	f := newFakeGitHub(t)
	f.add(&fakeRelease{tag: "release-2026.11.20-1"})
	f.add(&fakeRelease{tag: tag})
	c, _, _ := newTestClient(t, f, nil)
	ctx := context.Background()
	var ids []int64
	for _, d := range []struct{ tag, env string }{{tag, "staging"}, {tag, "staging"}, {tag, "production"}, {"release-2026.11.20-1", "staging"}} {
		id, err := c.StartDeployment(ctx, model.Deployment{Tag: d.tag, Environment: d.env, Description: "start", UpdateID: 42})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	before := len(f.deployCallsSoFar())

	// A new client: nothing remembered from the starts (a new leader).
	c2, _, _ := newTestClient(t, f, nil)
	if err := c2.FinishDeployment(ctx, model.Deployment{Tag: tag, Environment: "staging", Description: "neco update 42 completed", UpdateID: 42}, "success"); err != nil {
		t.Fatal(err)
	}
	calls := f.deployCallsSoFar()[before:]
	if len(calls) != 2 {
		t.Fatalf("got %d requests, want list then status: %+v", len(calls), calls)
	}
	list := calls[0]
	if list.Method != "GET" || list.Path != deploymentsPath || list.Auth != "Bearer test-token" {
		t.Errorf("list request = %+v", list)
	}
	q, _ := url.ParseQuery(list.Query)
	if diff := cmp.Diff(url.Values{"ref": {tag}, "environment": {"staging"}, "per_page": {"100"}}, q); diff != "" {
		t.Errorf("list query mismatch (-want +got):\n%s", diff)
	}
	wantStatus := deployCall{Method: "POST", Path: fmt.Sprintf("%s/%d/statuses", deploymentsPath, ids[1]), Auth: "Bearer test-token",
		Body: decodeJSON(t, `{"state": "success", "environment": "staging", "description": "neco update 42 completed"}`)}
	if diff := cmp.Diff(wantStatus, calls[1]); diff != "" {
		t.Errorf("status request mismatch (-want +got):\n%s", diff)
	}
	for i, want := range [][]string{{"in_progress"}, {"in_progress", "success"}, {"in_progress"}, {"in_progress"}} {
		if diff := cmp.Diff(want, f.states(ids[i])); diff != "" {
			t.Errorf("deployment %d statuses mismatch (-want +got):\n%s", i, diff)
		}
	}
}

func TestFinishDeploymentNotFound(t *testing.T) {
	f := newFakeGitHub(t)
	f.add(&fakeRelease{tag: "release-2026.11.23-1"})
	c, _, _ := newTestClient(t, f, nil)
	ctx := context.Background()
	if _, err := c.StartDeployment(ctx, model.Deployment{Tag: "release-2026.11.23-1", Environment: "production", Description: "start", UpdateID: 1}); err != nil {
		t.Fatal(err)
	}
	err := c.FinishDeployment(ctx, model.Deployment{Tag: "release-2026.11.23-1", Environment: "staging", Description: "aborted", UpdateID: 1}, "failure")
	if !errors.Is(err, ErrNoDeployment) {
		t.Fatalf("err = %v, want ErrNoDeployment", err)
	}
	calls := f.deployCallsSoFar()
	if last := calls[len(calls)-1]; last.Method != "GET" {
		t.Errorf("last request = %s %s, want only the list after the start", last.Method, last.Path)
	}
}

func TestDeploymentDescriptionTruncated(t *testing.T) {
	f := newFakeGitHub(t)
	f.add(&fakeRelease{tag: "release-2026.11.23-1"})
	c, _, _ := newTestClient(t, f, nil)
	long := "neco update 7 aborted: " + strings.Repeat("é", 100) + strings.Repeat("日本", 50)
	ctx := context.Background()
	d := model.Deployment{Tag: "release-2026.11.23-1", Environment: "staging", Description: long, UpdateID: 7}
	if _, err := c.StartDeployment(ctx, d); err != nil {
		t.Fatal(err)
	}
	if err := c.FinishDeployment(ctx, d, "failure"); err != nil {
		t.Fatalf("GitHub refused the description: %v", err)
	}
	want := string([]rune(long)[:137]) + "..."
	for _, call := range f.deployCallsSoFar() {
		if call.Body == nil {
			continue
		}
		got, _ := call.Body.(map[string]any)["description"].(string)
		if got != want {
			t.Errorf("%s %s description = %q (%d runes), want %q", call.Method, call.Path, got, utf8.RuneCountInString(got), want)
		}
		if !utf8.ValidString(got) {
			t.Errorf("description is not valid UTF-8: %q", got)
		}
	}
	if short := "neco update 7 completed"; truncateDescription(short) != short {
		t.Error("a short description was changed")
	}
}

// httpStatus is how a caller without go-github reads the status of an error.
func httpStatus(err error) int {
	var s interface{ HTTPStatus() int }
	if errors.As(err, &s) {
		return s.HTTPStatus()
	}
	return 0
}

func TestDeploymentErrors(t *testing.T) {
	tests := []struct {
		name      string
		tag, env  string
		intercept func(http.ResponseWriter, *http.Request) bool
		wantCode  int
		wantIs    error
		wantText  string
		wantReqs  int
	}{
		{name: "422 unknown ref is not retried", tag: "release-9.9-1", env: "staging",
			wantCode: 422, wantText: "422 No ref found for: release-9.9-1", wantReqs: 1},
		{name: "403 permission", tag: "release-2026.11.23-1", env: "staging", wantCode: 403, wantIs: ErrForbidden, wantReqs: 1,
			intercept: func(w http.ResponseWriter, _ *http.Request) bool {
				writeGitHubError(w, http.StatusForbidden, "Resource not accessible by integration")
				return true
			}},
		{name: "primary rate limit reports 429", tag: "release-2026.11.23-1", env: "staging", wantCode: 429, wantIs: ErrRateLimited,
			wantReqs: 1, intercept: rateLimited(100, time.Now().Add(time.Hour))},
		{name: "5xx retried, then reported", tag: "release-2026.11.23-1", env: "staging", wantCode: 503, wantIs: ErrUnavailable, wantReqs: 3,
			intercept: func(w http.ResponseWriter, _ *http.Request) bool {
				writeGitHubError(w, http.StatusServiceUnavailable, "Service Unavailable")
				return true
			}},
		{name: "invalid tag sends nothing", tag: "release-1;rm -rf /", env: "staging", wantIs: ErrInvalidTag},
		{name: "no environment sends nothing", tag: "release-2026.11.23-1", env: " ", wantText: "empty environment"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeGitHub(t)
			f.add(&fakeRelease{tag: "release-2026.11.23-1"})
			f.intercept = tt.intercept
			c, _, _ := newTestClient(t, f, nil)
			_, err := c.StartDeployment(context.Background(), model.Deployment{Tag: tt.tag, Environment: tt.env, Description: "start", UpdateID: 1})
			if err == nil {
				t.Fatal("StartDeployment succeeded")
			}
			if got := httpStatus(err); got != tt.wantCode {
				t.Errorf("HTTPStatus = %d, want %d (err %v)", got, tt.wantCode, err)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("err = %v, want %v", err, tt.wantIs)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("err = %q, want it to mention %q", err, tt.wantText)
			}
			if strings.Contains(err.Error(), "test-token") {
				t.Errorf("err = %q carries the token", err)
			}
			if got := len(f.recorded()); got != tt.wantReqs {
				t.Errorf("got %d requests, want %d", got, tt.wantReqs)
			}
		})
	}
}

func TestFinishDeploymentRefusesState(t *testing.T) {
	f := newFakeGitHub(t)
	c, _, _ := newTestClient(t, f, nil)
	for _, state := range []string{"", "in_progress", "inactive", "SUCCESS"} {
		if err := c.FinishDeployment(context.Background(), model.Deployment{Tag: "release-2026.11.23-1", Environment: "staging", Description: "x", UpdateID: 1}, state); err == nil {
			t.Errorf("state %q accepted", state)
		}
	}
	if n := len(f.recorded()); n != 0 {
		t.Errorf("%d requests sent for refused states", n)
	}
}
