package etcdconn

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/necoship/neco/pkg/etcdtest"
)

// TestMemberRequiresCertificates: the embedded member answers root's
// certificate, and refuses a TLS client without one and plain HTTP, on its
// client port and on its peer port.
func TestMemberRequiresCertificates(t *testing.T) {
	l := etcdtest.EmbeddedLocal(t)
	m, err := StartMember(t.Context(), l.DataDir, l.Etcd, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	c, err := Dial(t.Context(), l, DialOptions{})
	if err != nil {
		t.Fatalf("Dial with root's certificate: %v", err)
	}
	if _, err := c.Put(t.Context(), "/neco/config/github-token", "ghp_secret"); err != nil {
		t.Fatal(err)
	}
	c.Close()

	for _, raw := range []string{l.Etcd.EmbeddedClientURL, l.Etcd.EmbeddedPeerURL} {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(u.Host, func(t *testing.T) {
			if err := getWithoutCertificate(u.Host); err == nil || !strings.Contains(err.Error(), "certificate required") {
				t.Errorf("TLS without a client certificate: %v, want the member to require one", err)
			}
			resp, err := http.Get("http://" + u.Host + "/version")
			if err == nil {
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					t.Errorf("plain HTTP answered %s: %s", resp.Status, body)
				}
			}
		})
	}
}

// getWithoutCertificate asks for /version over TLS with no client
// certificate; in TLS 1.3 the server's refusal arrives at the first read.
func getWithoutCertificate(host string) error {
	conn, err := tls.Dial("tcp", host, &tls.Config{InsecureSkipVerify: true}) //nolint:gosec // the refusal is the point
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		return err
	}
	if _, err := io.WriteString(conn, "GET /version HTTP/1.1\r\nHost: "+host+"\r\n\r\n"); err != nil {
		return err
	}
	_, err = io.ReadAll(conn)
	return err
}

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
	if err == nil || !strings.Contains(err.Error(), "neco-updater creates the embedded etcd's credentials in "+PKIDir(l.DataDir)) {
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
