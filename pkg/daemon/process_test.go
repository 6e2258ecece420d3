package daemon

import (
	"os"
	"path/filepath"
	"strings"
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
	if _, code := Setup("test", good, strings.Repeat("n", 254)); code != 2 {
		t.Errorf("Setup with a 254-byte name: exit status %d, want 2", code)
	}
	// TLS files that cannot work stop the daemon at start (exit 2) rather
	// than behind a dial retried forever; /dev/zero must not exhaust memory.
	for name, yml := range map[string]string{
		"missing-ca.yml":  "etcd: {endpoints: [https://127.0.0.1:1], tls-ca-file: " + filepath.Join(dir, "nope.crt") + "}\n",
		"zero-ca.yml":     "etcd: {endpoints: [https://127.0.0.1:1], tls-ca-file: /dev/zero}\n",
		"missing-key.yml": "etcd: {endpoints: [https://127.0.0.1:1], updater-tls-cert-file: /dev/null, updater-tls-key-file: /nope}\n",
	} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(yml), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, code := Setup("test", path, ""); code != 2 {
			t.Errorf("Setup(%s) exit status %d, want 2", name, code)
		}
	}
}
