package etcdconn

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/necoship/neco/pkg/etcdtest"
)

// TestPKIFiles: the authority is created once with private modes, is
// reused as it is, and a missing file or a key others can read stops the
// member instead of serving with it.
func TestPKIFiles(t *testing.T) {
	dataDir := t.TempDir()
	dir, err := ensurePKI(dataDir, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("%s: mode %v (err %v), want 0700", dir, fi.Mode().Perm(), err)
	}
	for _, name := range []string{caKeyFile, memberKeyFile, rootKeyFile} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v (err %v), want 0600", name, fi.Mode().Perm(), err)
		}
	}
	root := readCert(t, filepath.Join(dir, rootCertFile))
	if root.Subject.CommonName != rootCommonName {
		t.Errorf("client certificate CN %q, want %q", root.Subject.CommonName, rootCommonName)
	}
	if err := root.VerifyHostname("127.0.0.1"); err == nil {
		t.Error("root's client certificate is valid as a server for 127.0.0.1")
	}
	if err := readCert(t, filepath.Join(dir, memberCertFile)).VerifyHostname("127.0.0.1"); err != nil {
		t.Errorf("member certificate: %v", err)
	}
	before, err := os.ReadFile(filepath.Join(dir, caCertFile))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ensurePKI(dataDir, time.Now()); err != nil {
		t.Fatalf("second start: %v", err)
	}
	if after, _ := os.ReadFile(filepath.Join(dir, caCertFile)); !bytes.Equal(before, after) {
		t.Error("the second start replaced the CA")
	}
	if leftovers, _ := filepath.Glob(filepath.Join(dataDir, ".etcd-pki-*")); len(leftovers) != 0 {
		t.Errorf("temporary directories left: %v", leftovers)
	}

	if err := os.Chmod(filepath.Join(dir, rootKeyFile), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ensurePKI(dataDir, time.Now()); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("root.key 0644: %v, want a refusal that says chmod 600", err)
	}
	if err := os.Remove(filepath.Join(dir, memberCertFile)); err != nil {
		t.Fatal(err)
	}
	if _, err := ensurePKI(dataDir, time.Now()); err == nil || !strings.Contains(err.Error(), "remove "+dir) {
		t.Errorf("member.crt missing: %v, want a refusal that says what to remove", err)
	}
}

// TestDialEmbeddedWithoutCredentials says who creates them.
func TestDialEmbeddedWithoutCredentials(t *testing.T) {
	l := etcdtest.EmbeddedLocal(t)
	_, err := Dial(t.Context(), l, DialOptions{})
	if err == nil || !strings.Contains(err.Error(), "neco-etcd creates the embedded etcd's credentials in "+PKIDir(l.DataDir)) {
		t.Fatalf("Dial before the member ever started: %v", err)
	}
}

func readCert(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		t.Fatalf("%s: no PEM block", path)
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
