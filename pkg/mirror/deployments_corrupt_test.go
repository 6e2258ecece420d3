package mirror_test

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// TestCorruptDeployments: a deployments.json that breaks the documented
// format is served as no deployments (a gated site keeps waiting) with one
// error log naming the file, and the rest of the mirror stays up.
func TestCorruptDeployments(t *testing.T) {
	tests := []struct{ name, content string }{
		{"not JSON", `{"deployments": [`},
		{"negative id", strings.Replace(storedDeployments, `"id": 11,`, `"id": -11,`, 1)},
		{"ids not oldest first", strings.Replace(storedDeployments, `"id": 14,`, `"id": 10,`, 1)},
		{"status id twice", strings.Replace(storedDeployments, `"id": 141,`, `"id": 111,`, 1)},
		{"unknown state", strings.Replace(storedDeployments, `"state": "success"`, `"state": "done"`, 1)},
		{"payload not an object", strings.Replace(storedDeployments, `"payload": {}`, `"payload": [1]`, 1)},
		{"ref not a name", strings.Replace(storedDeployments, `"ref": "release-1"`, `"ref": "../release-1"`, 1)},
		{"empty environment", strings.Replace(storedDeployments, `"environment": "production-tokyo0", "description"`, `"environment": "", "description"`, 1)},
		{"larger than 4 MiB", storedDeployments + strings.Repeat(" ", 4<<20)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := deploymentFixture(t, tt.content)
			for range 2 {
				var ds []any
				f.getJSON("/repos/"+testRepo+"/deployments?ref=release-1&environment=staging-stg0&per_page=10", http.StatusOK, &ds)
				if len(ds) != 0 {
					t.Errorf("corrupt file served %d deployments", len(ds))
				}
				if resp, _ := f.get(http.MethodGet, "/repos/"+testRepo+"/deployments/11/statuses", nil); resp.StatusCode != http.StatusNotFound {
					t.Errorf("statuses of a deployment in a corrupt file: %d, want 404", resp.StatusCode)
				}
			}
			var rels []ghRelease
			f.getJSON("/repos/"+testRepo+"/releases", http.StatusOK, &rels)
			if len(rels) != 2 {
				t.Errorf("releases beside a corrupt deployments.json: %d, want 2", len(rels))
			}
			logged := f.logs.FilterMessageSnippet("deployments file is corrupt").AllUntimed()
			if len(logged) != 1 || logged[0].ContextMap()["file"] != filepath.Join(f.dir, testRepo, "deployments.json") {
				t.Fatalf("logged %v; want one error naming the file after four requests", logged)
			}
		})
	}
}

// TestCorruptDeploymentsLoggedPerVersion: once repaired the file is served
// again, and a new corruption is logged anew.
func TestCorruptDeploymentsLoggedPerVersion(t *testing.T) {
	f := deploymentFixture(t, `{"deployments": [`)
	const path = "/repos/" + testRepo + "/deployments"
	count := func() int {
		var ds []any
		f.getJSON(path, http.StatusOK, &ds)
		return len(ds)
	}
	errs := func() int { return f.logs.FilterMessageSnippet("deployments file is corrupt").Len() }
	if n := count(); n != 0 || errs() != 1 {
		t.Fatalf("corrupt: %d deployments, %d errors; want 0, 1", n, errs())
	}
	writeDeployments(t, f.dir, storedDeployments)
	if n := count(); n != 4 || errs() != 1 {
		t.Fatalf("repaired: %d deployments, %d errors; want 4, 1", n, errs())
	}
	writeDeployments(t, f.dir, `{"deployments": 7}`)
	if n := count(); n != 0 || errs() != 2 {
		t.Fatalf("corrupt again: %d deployments, %d errors; want 0, 2", n, errs())
	}
}
