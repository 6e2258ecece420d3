package mirror_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/necoship/neco/pkg/mirror"
)

// linkRE matches one element of a Link header as go-github parses it.
var linkRE = regexp.MustCompile(`^<([^>]+)>; rel="(next|last|prev|first)"$`)

// parseLink splits a Link header into rel => URL, failing on anything
// go-github would not understand.
func parseLink(t *testing.T, h string) map[string]string {
	t.Helper()
	links := map[string]string{}
	if h == "" {
		return links
	}
	for _, part := range strings.Split(h, ", ") {
		m := linkRE.FindStringSubmatch(part)
		if m == nil {
			t.Fatalf("Link element %q is not in GitHub's format", part)
		}
		links[m[2]] = m[1]
	}
	return links
}

// writeRecord writes a release.json in the layout doc.go documents,
// bypassing Publish (and its fsyncs, which would make a 250-release
// fixture take seconds). It also pins the documented format.
func writeRecord(t *testing.T, dir, tag string, id int64, at time.Time) {
	t.Helper()
	rd := filepath.Join(dir, testRepo, "releases", tag)
	if err := os.MkdirAll(filepath.Join(rd, "assets"), 0o755); err != nil {
		t.Fatal(err)
	}
	ts := at.Format(time.RFC3339)
	rec := fmt.Sprintf(`{"id": %d, "tag_name": %q, "name": %q, "body": "", "draft": false,
		"prerelease": false, "created_at": %q, "published_at": %q, "assets": []}`, id, tag, tag, ts, ts)
	if err := os.WriteFile(filepath.Join(rd, "release.json"), []byte(rec), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestPagination serves 250 releases, two per second so that the id
// tie-break matters, and walks rel="next" from the first page as
// go-github's callers do: every release is seen once, newest first.
func TestPagination(t *testing.T) {
	f := newFixture(t, mirror.ServerOptions{})
	const n = 250
	var want []string
	for i := range n {
		tag := fmt.Sprintf("release-1.0.%d", i)
		writeRecord(t, f.dir, tag, int64(i+1), baseTime.Add(time.Duration(i/2)*time.Second))
		want = append(want, tag)
	}
	slices.Reverse(want)

	tests := []struct {
		query     string
		wantPages int
	}{
		{"", 9},               // default per_page 30
		{"?per_page=100", 3},  // the maximum
		{"?per_page=1000", 3}, // capped to 100 as GitHub does
		{"?per_page=7&page=1", 36},
		{"?per_page=250", 3},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			var got []string
			pages := 0
			next := f.srv.URL + "/repos/" + testRepo + "/releases" + tt.query
			for next != "" {
				var page []ghRelease
				resp := f.getJSON(strings.TrimPrefix(next, f.srv.URL), http.StatusOK, &page)
				got = append(got, tags(page)...)
				pages++
				next = parseLink(t, resp.Header.Get("Link"))["next"]
				if pages > n {
					t.Fatal("rel=next never ends")
				}
			}
			if pages != tt.wantPages {
				t.Errorf("walked %d pages, want %d", pages, tt.wantPages)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("releases (-want +got):\n%s", diff)
			}
		})
	}
}

// TestLinkHeader pins the exact header for the first, a middle, the last
// and a past-the-end page.
func TestLinkHeader(t *testing.T) {
	f := newFixture(t, mirror.ServerOptions{})
	for i := range 5 {
		f.publish(mirror.PublishRequest{Tag: fmt.Sprintf("v%d", i), NoChecksums: true}, nil)
	}
	u := f.srv.URL + "/repos/" + testRepo + "/releases"
	link := func(page int, rel string) string {
		return fmt.Sprintf(`<%s?page=%d&per_page=2>; rel="%s"`, u, page, rel)
	}
	tests := []struct {
		page      int
		want      string
		wantCount int
	}{
		{1, link(2, "next") + ", " + link(3, "last"), 2},
		{2, link(1, "prev") + ", " + link(3, "next") + ", " + link(3, "last") + ", " + link(1, "first"), 2},
		{3, link(2, "prev") + ", " + link(1, "first"), 1},
		{9, link(3, "prev") + ", " + link(1, "first"), 0},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.page), func(t *testing.T) {
			var rels []ghRelease
			resp := f.getJSON(fmt.Sprintf("/repos/%s/releases?per_page=2&page=%d", testRepo, tt.page), http.StatusOK, &rels)
			if diff := cmp.Diff(tt.want, resp.Header.Get("Link")); diff != "" {
				t.Errorf("Link (-want +got):\n%s", diff)
			}
			if len(rels) != tt.wantCount {
				t.Errorf("got %d releases, want %d", len(rels), tt.wantCount)
			}
		})
	}
	resp := f.getJSON("/repos/"+testRepo+"/releases", http.StatusOK, new([]ghRelease))
	if h := resp.Header.Get("Link"); h != "" {
		t.Errorf("single page: Link %q, want none", h)
	}
}
