package releases

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The deployments part of fakeGitHub: create and list deployments, create
// statuses, validating requests the way GitHub's REST docs describe
// (defaults, the 140-character description, commit-status checks).

type fakeDeployment struct {
	id                    int64
	ref, env, task, desc  string
	payload               any
	production, transient bool
	createdAt             time.Time
	statuses              []fakeDeploymentStatus
}

type fakeDeploymentStatus struct {
	id                       int64
	state, desc, environment string
}

// deployCall is one request to the deployments API as the server got it.
type deployCall struct {
	Method, Path, Query, Auth string
	// Body is the decoded JSON body; nil for a GET.
	Body any
}

var deploymentStates = []string{"error", "failure", "inactive", "in_progress", "queued", "pending", "success"}

func (f *fakeGitHub) deployCallsSoFar() []deployCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.deployCalls)
}

func (f *fakeGitHub) serveDeployments(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	call := deployCall{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Auth: r.Header.Get("Authorization")}
	var body map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &body); err != nil {
			writeGitHubError(w, http.StatusBadRequest, "Problems parsing JSON")
			return
		}
		call.Body = body
	}
	f.mu.Lock()
	f.deployCalls = append(f.deployCalls, call)
	f.mu.Unlock()

	rest := strings.TrimPrefix(r.URL.Path, fmt.Sprintf("/repos/%s/%s/deployments", fakeOwner, fakeRepo))
	id, statuses := strings.CutSuffix(strings.TrimPrefix(rest, "/"), "/statuses")
	switch {
	case rest == "" && r.Method == http.MethodPost:
		f.createDeployment(w, body)
	case rest == "" && r.Method == http.MethodGet:
		f.listDeployments(w, r)
	case statuses && r.Method == http.MethodPost:
		f.createDeploymentStatus(w, id, body)
	case statuses && r.Method == http.MethodGet:
		f.listDeploymentStatuses(w, r, id)
	default:
		writeGitHubError(w, http.StatusNotFound, "Not Found")
	}
}

func (f *fakeGitHub) createDeployment(w http.ResponseWriter, body map[string]any) {
	ref, _ := body["ref"].(string)
	if ref == "" {
		writeGitHubError(w, http.StatusUnprocessableEntity, `Invalid request. "ref" wasn't supplied.`)
		return
	}
	d := &fakeDeployment{ref: ref, env: "production", task: "deploy"}
	if v, ok := body["environment"].(string); ok {
		d.env = v
	}
	if v, ok := body["task"].(string); ok {
		d.task = v
	}
	d.desc, _ = body["description"].(string)
	d.payload = body["payload"]
	if d.payload == nil {
		d.payload = map[string]any{} // GitHub's default
	}
	d.transient, _ = body["transient_environment"].(bool)
	d.production = d.env == "production"
	if v, ok := body["production_environment"].(bool); ok {
		d.production = v
	}
	contexts, given := body["required_contexts"].([]any)

	f.mu.Lock()
	defer f.mu.Unlock()
	i := slices.IndexFunc(f.releases, func(r *fakeRelease) bool { return r.tag == ref })
	if i < 0 {
		writeGitHubError(w, http.StatusUnprocessableEntity, "No ref found for: "+ref)
		return
	}
	if f.releases[i].failingChecks && (!given || len(contexts) > 0) {
		writeGitHubError(w, http.StatusConflict, "Conflict: Commit status checks failed for "+ref+".")
		return
	}
	d.id = int64(5000 + len(f.deployments))
	d.createdAt = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC).Add(time.Duration(len(f.deployments)) * time.Minute)
	f.deployments = append([]*fakeDeployment{d}, f.deployments...)
	writeJSONStatus(w, http.StatusCreated, f.deploymentJSON(d))
}

func (f *fakeGitHub) listDeployments(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	perPage, _ := strconv.Atoi(q.Get("per_page"))
	if perPage <= 0 {
		perPage = 30
	}
	f.mu.Lock()
	items := []any{}
	for _, d := range f.deployments {
		if (q.Get("ref") != "" && q.Get("ref") != d.ref) || (q.Get("environment") != "" && q.Get("environment") != d.env) {
			continue
		}
		if len(items) < perPage {
			items = append(items, f.deploymentJSON(d))
		}
	}
	f.mu.Unlock()
	writeJSONWithETag(w, r, items)
}

func (f *fakeGitHub) createDeploymentStatus(w http.ResponseWriter, id string, body map[string]any) {
	state, _ := body["state"].(string)
	if !slices.Contains(deploymentStates, state) {
		writeGitHubError(w, http.StatusUnprocessableEntity, "Validation Failed: state is not included in the list")
		return
	}
	desc, _ := body["description"].(string)
	if utf8.RuneCountInString(desc) > maxDescription {
		writeGitHubError(w, http.StatusUnprocessableEntity, "Validation Failed: description is too long (maximum is 140 characters)")
		return
	}
	f.mu.Lock()
	i := slices.IndexFunc(f.deployments, func(d *fakeDeployment) bool { return strconv.FormatInt(d.id, 10) == id })
	if i < 0 {
		f.mu.Unlock()
		writeGitHubError(w, http.StatusNotFound, "Not Found")
		return
	}
	d := f.deployments[i]
	st := fakeDeploymentStatus{id: d.id*10 + int64(len(d.statuses)), state: state, desc: desc, environment: d.env}
	if v, ok := body["environment"].(string); ok {
		st.environment = v
	}
	d.statuses = append(d.statuses, st)
	base := fmt.Sprintf("%s/repos/%s/%s/deployments/%d", f.srv.URL, fakeOwner, fakeRepo, d.id)
	js := map[string]any{
		"url": fmt.Sprintf("%s/statuses/%d", base, st.id), "id": st.id, "node_id": "DES_" + strconv.FormatInt(st.id, 10),
		"state": st.state, "creator": fakeCreator, "description": st.desc, "environment": st.environment,
		"target_url": "", "log_url": "", "environment_url": "",
		"created_at": d.createdAt.Format(time.RFC3339), "updated_at": d.createdAt.Format(time.RFC3339),
		"deployment_url": base, "repository_url": fmt.Sprintf("%s/repos/%s/%s", f.srv.URL, fakeOwner, fakeRepo),
	}
	hook := f.onStatus
	f.mu.Unlock()
	writeJSONStatus(w, http.StatusCreated, js)
	if hook != nil {
		hook(d.id, state)
	}
}

// listDeploymentStatuses lists a deployment's statuses newest first, as
// GitHub does, with the fields of its "List deployment statuses" answer.
func (f *fakeGitHub) listDeploymentStatuses(w http.ResponseWriter, r *http.Request, id string) {
	f.mu.Lock()
	i := slices.IndexFunc(f.deployments, func(d *fakeDeployment) bool { return strconv.FormatInt(d.id, 10) == id })
	if i < 0 {
		f.mu.Unlock()
		writeGitHubError(w, http.StatusNotFound, "Not Found")
		return
	}
	d := f.deployments[i]
	items := []any{}
	for j := len(d.statuses) - 1; j >= 0; j-- {
		st := d.statuses[j]
		items = append(items, map[string]any{"id": st.id, "node_id": "DES_" + strconv.FormatInt(st.id, 10),
			"state": st.state, "description": st.desc, "environment": st.environment, "creator": fakeCreator,
			"created_at": d.createdAt.Format(time.RFC3339), "updated_at": d.createdAt.Format(time.RFC3339)})
	}
	f.mu.Unlock()
	writeJSONWithETag(w, r, items)
}

var fakeCreator = map[string]any{"login": "neco-bot", "id": 1, "type": "User"}

// deploymentJSON renders a deployment with the field names of GitHub's
// "Get a deployment" response. Call with f.mu held.
func (f *fakeGitHub) deploymentJSON(d *fakeDeployment) map[string]any {
	base := fmt.Sprintf("%s/repos/%s/%s/deployments/%d", f.srv.URL, fakeOwner, fakeRepo, d.id)
	return map[string]any{
		"url": base, "id": d.id, "node_id": "DE_" + strconv.FormatInt(d.id, 10),
		"sha": "0123456789abcdef0123456789abcdef01234567", "ref": d.ref, "task": d.task, "payload": d.payload,
		"original_environment": d.env, "environment": d.env, "description": d.desc, "creator": fakeCreator,
		"created_at": d.createdAt.Format(time.RFC3339), "updated_at": d.createdAt.Format(time.RFC3339),
		"statuses_url":          base + "/statuses",
		"repository_url":        fmt.Sprintf("%s/repos/%s/%s", f.srv.URL, fakeOwner, fakeRepo),
		"transient_environment": d.transient, "production_environment": d.production,
	}
}

// states lists the statuses given to deployment id, oldest first.
func (f *fakeGitHub) states(id int64) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, d := range f.deployments {
		if d.id == id {
			var out []string
			for _, s := range d.statuses {
				out = append(out, s.state)
			}
			return out
		}
	}
	return nil
}

func writeJSONStatus(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-RateLimit-Remaining", "4998")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// setInactive adds the inactive status GitHub gives a deployment of tag
// to env that succeeded, when a later one succeeds there.
func (f *fakeGitHub) setInactive(tag, env string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, d := range f.deployments {
		if d.ref == tag && d.env == env && slices.ContainsFunc(d.statuses, func(s fakeDeploymentStatus) bool { return s.state == "success" }) {
			d.statuses = append(d.statuses, fakeDeploymentStatus{id: d.id*10 + int64(len(d.statuses)), state: "inactive", environment: env})
		}
	}
}
