package mirror

import (
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"strconv"
)

// listDeployments serves GET /repos/{owner}/{repo}/deployments, newest
// first, with GitHub's filters and pagination. The promotion gate asks it
// with ref and environment (releases.Client.DeploymentSucceeded).
func (s *server) listDeployments(w http.ResponseWriter, r *http.Request) {
	names, ok := s.pathNames(w, r, "owner", "repo")
	if !ok {
		return
	}
	q := r.URL.Query()
	perPage, page, err := pageParams(q)
	if err != nil {
		s.writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	ds, err := s.loadDeployments(names[0], names[1])
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ds = slices.DeleteFunc(ds, func(d deploymentRecord) bool { return !matchesFilters(d, q) })
	urls := s.repoURLs(r, names[0], names[1])
	writePage(s, w, r, urls.api("/deployments"), ds, perPage, page, urls.deployment)
}

// matchesFilters applies GitHub's list filters, each an exact match when
// given. The mirror stores no commit, so a sha filter matches nothing;
// every deployment's task is GitHub's default, deploy.
func matchesFilters(d deploymentRecord, q url.Values) bool {
	ref, env, task := q.Get("ref"), q.Get("environment"), q.Get("task")
	return (ref == "" || ref == d.Ref) && (env == "" || env == d.Environment) &&
		q.Get("sha") == "" && (task == "" || task == "deploy")
}

// deployment serves GET /repos/{owner}/{repo}/deployments/{id}, the url
// of every listed deployment.
func (s *server) deployment(w http.ResponseWriter, r *http.Request) {
	names, d, ok := s.deploymentByID(w, r)
	if !ok {
		return
	}
	s.writeJSON(w, r, s.repoURLs(r, names[0], names[1]).deployment(d))
}

// listDeploymentStatuses serves GET
// /repos/{owner}/{repo}/deployments/{id}/statuses, newest first; 404 for
// a deployment the mirror does not have, as GitHub answers.
func (s *server) listDeploymentStatuses(w http.ResponseWriter, r *http.Request) {
	names, d, ok := s.deploymentByID(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	perPage, page, err := pageParams(q)
	if err != nil {
		s.writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	sts := slices.Clone(d.Statuses)
	slices.Reverse(sts)
	urls := s.repoURLs(r, names[0], names[1])
	writePage(s, w, r, urls.deploymentURL(d.ID)+"/statuses", sts, perPage, page,
		func(st deploymentStatusRecord) apiDeploymentStatus { return urls.deploymentStatus(d, st) })
}

// deploymentStatus serves GET
// /repos/{owner}/{repo}/deployments/{id}/statuses/{status}, the url of
// every listed status.
func (s *server) deploymentStatus(w http.ResponseWriter, r *http.Request) {
	names, d, ok := s.deploymentByID(w, r)
	if !ok {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("status"), 10, 64)
	if err != nil || id < 1 {
		s.notFound(w, r)
		return
	}
	for _, st := range d.Statuses {
		if st.ID == id {
			s.writeJSON(w, r, s.repoURLs(r, names[0], names[1]).deploymentStatus(d, st))
			return
		}
	}
	s.notFound(w, r)
}

// deploymentByID parses {owner}, {repo} and a positive {id} from the path
// and finds that deployment; on failure it has answered and ok is false.
func (s *server) deploymentByID(w http.ResponseWriter, r *http.Request) (names []string, d deploymentRecord, ok bool) {
	names, ok = s.pathNames(w, r, "owner", "repo")
	if !ok {
		return nil, d, false
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		s.notFound(w, r)
		return nil, d, false
	}
	ds, err := s.loadDeployments(names[0], names[1])
	if err != nil {
		s.fail(w, r, err)
		return nil, d, false
	}
	i := slices.IndexFunc(ds, func(d deploymentRecord) bool { return d.ID == id })
	if i < 0 {
		s.fail(w, r, fs.ErrNotExist)
		return nil, d, false
	}
	return names, ds[i], true
}
