package releases

import (
	"context"
	"testing"

	"github.com/necoship/neco/pkg/model"
)

// TestDeploymentSucceeded: a tag counts as deployed to an environment once
// any of its deployments there reported success, also after a later one
// made it inactive; not for another environment, nor while in progress.
func TestDeploymentSucceeded(t *testing.T) {
	const tag, other = "release-2026.11.23-1", "release-2026.11.24-1"
	f := newFakeGitHub(t)
	f.add(&fakeRelease{tag: tag})
	f.add(&fakeRelease{tag: other})
	c, _, _ := newTestClient(t, f, nil)
	ctx := context.Background()
	deploy := func(tag, env string, states ...string) {
		t.Helper()
		d := model.Deployment{Tag: tag, Environment: env, Description: "x", UpdateID: 1}
		if _, err := c.StartDeployment(ctx, d); err != nil {
			t.Fatal(err)
		}
		for _, st := range states {
			if err := c.FinishDeployment(ctx, d, st); err != nil {
				t.Fatal(err)
			}
		}
	}
	succeeded := func(tag, env string) bool {
		t.Helper()
		ok, err := c.DeploymentSucceeded(ctx, tag, env)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if succeeded(tag, "staging") {
		t.Error("no deployment: counted as deployed")
	}
	deploy(tag, "staging") // in progress
	deploy(tag, "production", "success")
	deploy(other, "staging", "success")
	if succeeded(tag, "staging") {
		t.Error("in progress on staging (success elsewhere, or of another tag): counted as deployed")
	}
	deploy(tag, "staging", "failure")
	if succeeded(tag, "staging") {
		t.Error("failed on staging: counted as deployed")
	}
	deploy(tag, "staging", "success")
	deploy(tag, "staging") // a newer one, still in progress, comes first
	f.setInactive(tag, "staging")
	if !succeeded(tag, "staging") {
		t.Error("succeeded on staging, then made inactive: not counted as deployed")
	}
	if succeeded(tag, "staging-tokyo0") {
		t.Error("another environment counted")
	}
}
