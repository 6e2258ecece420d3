package cli

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/necoship/neco/pkg/mirror"
)

// TestMirrorSyncDeployments: neco mirror sync from another mirror copies
// its deployments.json as it is; --deployments=false copies none; a source
// that does not serve deployments fails the sync with a hint, after the
// releases were added.
func TestMirrorSyncDeployments(t *testing.T) {
	src := t.TempDir()
	if _, err := mirror.Publish(src, mirror.PublishRequest{Repo: "example/site", Tag: "release-1.0"}); err != nil {
		t.Fatal(err)
	}
	deployments := `{"deployments":[{"id":7,"ref":"release-1.0","environment":"staging-stg0","description":"",` +
		`"payload":{},"created_at":"2026-11-23T01:02:03Z","statuses":[{"id":70,"state":"success",` +
		`"environment":"staging-stg0","description":"","created_at":"2026-11-23T01:02:03Z"}]}]}` + "\n"
	if err := os.WriteFile(filepath.Join(src, "example", "site", "deployments.json"), []byte(deployments), 0o644); err != nil {
		t.Fatal(err)
	}
	url := serveMirror(t, src)
	sync := func(dir string, extra ...string) (string, string, int) {
		return run(t, nil, append([]string{"mirror", "sync", "--dir", dir, "--repo", "example/site", "--api-url", url}, extra...)...)
	}

	dst := t.TempDir()
	if out, errOut, code := sync(dst); code != 0 || !strings.Contains(out, "deployments of the newest 20 releases copied") {
		t.Fatalf("sync: exit %d\n%s%s", code, out, errOut)
	}
	got, err := os.ReadFile(filepath.Join(dst, "example", "site", "deployments.json"))
	if err != nil || !bytes.Equal(got, []byte(deployments)) {
		t.Errorf("copied deployments.json = %s, %v; want the source's", got, err)
	}

	off := t.TempDir()
	if out, errOut, code := sync(off, "--deployments=false"); code != 0 {
		t.Fatalf("sync --deployments=false: exit %d\n%s%s", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(off, "example", "site", "deployments.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("--deployments=false: deployments.json %v, want none", err)
	}

	// An older mirror: releases, and 404 for every deployments path.
	handler := mirror.NewServer(src, mirror.ServerOptions{})
	old := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "/deployments") {
			http.NotFound(w, r)
			return
		}
		handler.ServeHTTP(w, r)
	}))
	t.Cleanup(old.Close)
	url = old.URL
	out, errOut, code := sync(t.TempDir())
	if code == 0 || !strings.Contains(out, "added release-1.0") || !strings.Contains(errOut, "--deployments=false") {
		t.Errorf("sync from a source without deployments: exit %d\n%s%s", code, out, errOut)
	}
}
