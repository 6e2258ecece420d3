package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func publishAll(t *testing.T, dir string) {
	t.Helper()
	pkg := filepath.Join(t.TempDir(), "site_1.0_amd64.deb")
	if err := os.WriteFile(pkg, []byte("not really a deb"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"--tag", "release-2026.11.20-1"},
		{"--tag", "release-2026.11.23-1", "--prerelease"},
		{"--tag", "test-2026.11.24-1", "--prerelease"},
		{"--tag", "release-2026.12.1-1", "--draft"},
		{"--tag", "v9.9.9"},
	} {
		args = append([]string{"mirror", "publish", "--dir", dir, "--repo", "example/site"}, args...)
		args = append(args, pkg)
		if _, errOut, code := run(t, nil, args...); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
	}
}

func TestReleasesFromPublishedMirror(t *testing.T) {
	dir := t.TempDir()
	publishAll(t, dir)
	api := serveMirror(t, dir)

	out, errOut, code := run(t, nil, "releases", "--repo", "example/site", "--api-url", api, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got releasesJSON
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("output is not the documented JSON: %v\n%s", err, out)
	}
	str := func(s string) *string { return &s }
	wantPicks := map[string]*string{
		"production": str("release-2026.11.20-1"),
		"staging":    str("release-2026.11.23-1"),
		"dev":        str("test-2026.11.24-1"),
	}
	if diff := cmp.Diff(wantPicks, got.Picks); diff != "" {
		t.Errorf("picks (-want +got):\n%s", diff)
	}
	var tags []string
	for _, r := range got.Releases {
		tags = append(tags, r.Tag)
	}
	wantTags := []string{"release-2026.12.1-1", "test-2026.11.24-1", "release-2026.11.23-1", "release-2026.11.20-1", "v9.9.9"}
	if diff := cmp.Diff(wantTags, tags); diff != "" {
		t.Errorf("release order (-want +got):\n%s", diff)
	}
	first := got.Releases[0]
	if !first.Draft || first.Version != "2026.12.1-1" || len(first.Assets) != 2 {
		t.Errorf("draft release = %+v", first)
	}
	if !strings.Contains(errOut, "v9.9.9") {
		t.Errorf("unparsable tag not warned about on stderr: %q", errOut)
	}

	out, _, code = run(t, nil, "releases", "--repo", "example/site", "--api-url", api, "--env", "production")
	if code != 0 || !strings.Contains(out, "production -> release-2026.11.20-1") || strings.Contains(out, "staging") {
		t.Errorf("--env production table (exit %d):\n%s", code, out)
	}
}

func TestReleasesErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"releases"}, "--repo is required"},
		{[]string{"releases", "--repo", "x/y", "--env", "prod"}, `unknown env "prod"`},
		{[]string{"releases", "--repo", "x/y", "--prefixes", "re-lease"}, `prefix "re-lease"`},
		{[]string{"releases", "--repo", "x", "--api-url", "http://127.0.0.1:1/"}, "want OWNER/NAME"},
		{[]string{"releases", "--repo", "x/y", "--api-url", "http://127.0.0.1:1/"}, "server unavailable"},
		{[]string{"mirror", "publish", "--dir", "d"}, "--dir, --repo and --tag are required"},
	}
	for _, tt := range tests {
		_, errOut, code := run(t, nil, tt.args...)
		if code == 0 || !strings.Contains(errOut, tt.want) || strings.Count(strings.TrimSpace(errOut), "\n") > 5 {
			t.Errorf("%v: exit %d, stderr %q; want non-zero and %q", tt.args, code, errOut, tt.want)
		}
	}
}
