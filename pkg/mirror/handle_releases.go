package mirror

import (
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Pagination limits, as GitHub's: a larger per_page is capped, not refused.
const (
	defaultPerPage = 30
	maxPerPage     = 100
)

// listReleases serves GET /repos/{owner}/{repo}/releases. Drafts are
// listed, as GitHub lists them to users who may push; neco's client
// filters them by channel.
func (s *server) listReleases(w http.ResponseWriter, r *http.Request) {
	names, ok := s.pathNames(w, r, "owner", "repo")
	if !ok {
		return
	}
	perPage, page, err := pageParams(r.URL.Query())
	if err != nil {
		s.writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	recs, err := loadReleases(s.dir, names[0], names[1], s.log)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	urls := s.repoURLs(r, names[0], names[1])
	writePage(s, w, r, urls.api("/releases"), recs, perPage, page, urls.release)
}

// writePage answers one page of items, perPage to a page, each rendered
// by render, with GitHub's Link header to self's other pages: the lists
// of releases, deployments and statuses all page this way.
func writePage[T, J any](s *server, w http.ResponseWriter, r *http.Request, self string, items []T, perPage, page int, render func(T) J) {
	part, lastPage := pageOf(items, perPage, page)
	out := make([]J, 0, len(part))
	for _, it := range part {
		out = append(out, render(it))
	}
	if link := linkHeader(self, r.URL.Query(), perPage, page, lastPage); link != "" {
		w.Header().Set("Link", link)
	}
	s.writeJSON(w, r, out)
}

// pageParams parses per_page and page. Malformed or non-positive values
// are refused so that a client bug shows up as 400, not as a short list.
func pageParams(q url.Values) (perPage, page int, err error) {
	perPage, page = defaultPerPage, 1
	if v := q.Get("per_page"); v != "" {
		perPage, err = strconv.Atoi(v)
		if err != nil || perPage < 1 {
			return 0, 0, fmt.Errorf("per_page %q is not a positive integer", v)
		}
		perPage = min(perPage, maxPerPage)
	}
	if v := q.Get("page"); v != "" {
		page, err = strconv.Atoi(v)
		if err != nil || page < 1 {
			return 0, 0, fmt.Errorf("page %q is not a positive integer", v)
		}
	}
	return perPage, page, nil
}

// pageOf returns page (from 1) of items, perPage to a page, and the
// number of the last page, 1 when there are no items.
func pageOf[T any](items []T, perPage, page int) ([]T, int) {
	lastPage := max(1, (len(items)+perPage-1)/perPage)
	// Compare pages before multiplying so that a huge page cannot overflow.
	if page > lastPage {
		return nil, lastPage
	}
	start := (page - 1) * perPage
	return items[start:min(start+perPage, len(items))], lastPage
}

// linkHeader renders GitHub's pagination header: prev, next, last, first
// in that order, each present only when it leads somewhere, e.g.
//
//	<URL?page=1&per_page=30>; rel="prev", <URL?page=3&per_page=30>; rel="next", ...
//
// go-github reads NextPage from it, so the format must match exactly.
// Other query parameters of the request are kept in every link.
func linkHeader(self string, q url.Values, perPage, page, lastPage int) string {
	link := func(p int, rel string) string {
		v := url.Values{}
		for k, vs := range q {
			v[k] = vs
		}
		v.Set("per_page", strconv.Itoa(perPage))
		v.Set("page", strconv.Itoa(p))
		return fmt.Sprintf(`<%s?%s>; rel="%s"`, self, v.Encode(), rel)
	}
	var links []string
	if page > 1 {
		// Past the end, prev points at the last page rather than at
		// another empty one.
		links = append(links, link(min(page-1, lastPage), "prev"))
	}
	if page < lastPage {
		links = append(links, link(page+1, "next"), link(lastPage, "last"))
	}
	if page > 1 {
		links = append(links, link(1, "first"))
	}
	return strings.Join(links, ", ")
}

// latestRelease serves GET /repos/{owner}/{repo}/releases/latest: the
// newest release that is neither a draft nor a pre-release, as GitHub
// defines "latest" (neco's production channel still checks the tag).
func (s *server) latestRelease(w http.ResponseWriter, r *http.Request) {
	names, ok := s.pathNames(w, r, "owner", "repo")
	if !ok {
		return
	}
	recs, err := loadReleases(s.dir, names[0], names[1], s.log)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, rec := range recs {
		if !rec.Draft && !rec.Prerelease {
			s.writeJSON(w, r, s.repoURLs(r, names[0], names[1]).release(rec))
			return
		}
	}
	s.notFound(w, r)
}

// releaseByTag serves GET /repos/{owner}/{repo}/releases/tags/{tag}. It
// reads one release.json, which is why workers fetch by tag.
func (s *server) releaseByTag(w http.ResponseWriter, r *http.Request) {
	names, ok := s.pathNames(w, r, "owner", "repo", "tag")
	if !ok {
		return
	}
	rec, err := loadRelease(s.dir, names[0], names[1], names[2], s.log)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeJSON(w, r, s.repoURLs(r, names[0], names[1]).release(rec))
}

// releaseByID serves GET /repos/{owner}/{repo}/releases/{id}.
func (s *server) releaseByID(w http.ResponseWriter, r *http.Request) {
	names, id, recs, ok := s.releasesAndID(w, r)
	if !ok {
		return
	}
	for _, rec := range recs {
		if rec.ID == id {
			s.writeJSON(w, r, s.repoURLs(r, names[0], names[1]).release(rec))
			return
		}
	}
	s.fail(w, r, fs.ErrNotExist)
}

// releasesAndID parses {owner}, {repo} and a positive {id} from the path
// and loads the repository's releases; on failure it has answered and ok
// is false.
func (s *server) releasesAndID(w http.ResponseWriter, r *http.Request) (names []string, id int64, recs []releaseRecord, ok bool) {
	names, ok = s.pathNames(w, r, "owner", "repo")
	if !ok {
		return nil, 0, nil, false
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		s.notFound(w, r)
		return nil, 0, nil, false
	}
	recs, err = loadReleases(s.dir, names[0], names[1], s.log)
	if err != nil {
		s.fail(w, r, err)
		return nil, 0, nil, false
	}
	return names, id, recs, true
}
