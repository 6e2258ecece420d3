package updater

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/necoship/neco/pkg/model"
)

// deploymentsAPI is GitHub's deployments, as the staging site's neco
// leaves them, in front of the release mirror (which serves the rest):
// GET /repos/{o}/{r}/deployments?ref&environment and GET
// .../deployments/{id}/statuses, with the field names of GitHub's REST
// docs.
type deploymentsAPI struct {
	mirror http.Handler

	mu          sync.Mutex
	deployments []fakeDeployment // newest first
}

type fakeDeployment struct {
	id       int64
	ref, env string
	states   []string // oldest first
}

// deploy records a deployment of ref to env that went through states.
func (d *deploymentsAPI) deploy(ref, env string, states ...string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	id := int64(100 + len(d.deployments))
	d.deployments = append([]fakeDeployment{{id: id, ref: ref, env: env, states: states}}, d.deployments...)
}

func (d *deploymentsAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/repos/example/site/deployments")
	if !ok || r.Method != http.MethodGet {
		d.mirror.ServeHTTP(w, r)
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	items := []map[string]any{}
	if id, found := strings.CutSuffix(strings.TrimPrefix(rest, "/"), "/statuses"); found {
		for _, dep := range d.deployments {
			if fmt.Sprint(dep.id) != id {
				continue
			}
			for i := len(dep.states) - 1; i >= 0; i-- {
				items = append(items, map[string]any{"id": dep.id*10 + int64(i), "state": dep.states[i], "environment": dep.env})
			}
		}
	} else {
		q := r.URL.Query()
		for _, dep := range d.deployments {
			if dep.ref == q.Get("ref") && dep.env == q.Get("environment") {
				items = append(items, map[string]any{"id": dep.id, "ref": dep.ref, "environment": dep.env,
					"payload": map[string]any{"neco": map[string]any{"update_id": 1, "site": "tokyo0"}}})
			}
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(items)
}

// TestPromotionGateWaitsForStaging: production with require-deployed
// staging-tokyo0 records that release-1.0 has no successful deployment
// there and starts nothing; once the staging site's deployment succeeded
// (and was made inactive by a later one, as GitHub does), a requested
// check records the promotion and the update starts.
func TestPromotionGateWaitsForStaging(t *testing.T) {
	h := newHarness(t, map[string]string{"env": "production", "require-deployed": "staging-tokyo0"}, []int{0}, "release-1.0")
	// The deployments go in front of the harness's mirror.
	mirrorURL, err := h.st.GetConfig(t.Context(), "github-api-url")
	if err != nil {
		t.Fatal(err)
	}
	target, err := url.Parse(mirrorURL)
	if err != nil {
		t.Fatal(err)
	}
	gh := &deploymentsAPI{mirror: httputil.NewSingleHostReverseProxy(target)}
	srv := httptest.NewServer(gh)
	t.Cleanup(srv.Close)
	if err := h.st.PutConfig(t.Context(), "github-api-url", srv.URL+"/", model.ConfigAuthor{By: "test", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	gh.deploy("release-1.0", "staging-tokyo0", "in_progress") // started, not done
	gh.deploy("release-1.0", "staging-osaka0", "in_progress", "success")

	h.runUpdater("a")
	snap := h.waitFor("promotion recorded", func(s model.Snapshot) bool { return s.Promotion != nil })
	if p := snap.Promotion; p.Tag != "release-1.0" || p.Environment != "staging-tokyo0" || p.Deployed || p.Error != "" {
		t.Fatalf("promotion %+v, want release-1.0 not deployed to staging-tokyo0", *p)
	}
	h.stays("no update before the promotion", 200*time.Millisecond, func(s model.Snapshot) bool { return s.Current == nil })

	gh.deploy("release-1.0", "staging-tokyo0", "in_progress", "success", "inactive")
	if _, err := h.st.RequestCheck(context.Background(), model.CheckRequest{By: "test", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	snap = h.waitFor("promoted update started", inProgress)
	if p := snap.Promotion; p == nil || !p.Deployed {
		t.Errorf("promotion %+v, want deployed", p)
	}
	if snap.Current.Version.String() != "1.0" {
		t.Errorf("current %+v, want 1.0", snap.Current)
	}
}
