package daemon

import (
	"os"
	"path/filepath"
	"testing"
)

func TestSetup(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yml")
	bad := filepath.Join(dir, "bad.yml")
	if err := os.WriteFile(good, []byte("lrn: 4\nlog-level: warn\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("lrn: -1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	p, code := Setup("test", good, "")
	if code != 0 || p.Local.LRN != 4 || p.Name != host || p.Log == nil {
		t.Errorf("Setup(good) = %+v, %d; want lrn 4, the hostname %q as name, a logger", p, code, host)
	}
	if p, code := Setup("test", good, "boot-4"); code != 0 || p.Name != "boot-4" {
		t.Errorf("Setup with a name = %+v, %d", p, code)
	}
	for _, path := range []string{bad, filepath.Join(dir, "missing.yml")} {
		if _, code := Setup("test", path, ""); code != 2 {
			t.Errorf("Setup(%s) exit status %d, want 2", filepath.Base(path), code)
		}
	}
}
