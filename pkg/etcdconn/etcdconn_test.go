package etcdconn

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"

	"github.com/necoship/neco/pkg/config"
)

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func embeddedConfig(t *testing.T) config.EtcdConfig {
	e := config.DefaultLocal().Etcd
	e.EmbeddedClientURL = fmt.Sprintf("http://127.0.0.1:%d", freePort(t))
	e.EmbeddedPeerURL = fmt.Sprintf("http://127.0.0.1:%d", freePort(t))
	return e
}

func TestMemberKeepsDataAcrossRestarts(t *testing.T) {
	ctx := t.Context()
	dataDir := t.TempDir()
	e := embeddedConfig(t)

	m, err := StartMember(ctx, dataDir, e, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	c, err := Dial(ctx, e, DialOptions{})
	if err != nil {
		m.Close()
		t.Fatal(err)
	}
	if _, err := c.Put(ctx, "/neco/config/env", "staging"); err != nil {
		t.Fatal(err)
	}
	c.Close()
	m.Close()
	if _, err := os.Stat(filepath.Join(dataDir, "etcd", "member")); err != nil {
		t.Fatalf("member data not under data-dir/etcd: %v", err)
	}

	m, err = StartMember(ctx, dataDir, e, zap.NewNop())
	if err != nil {
		t.Fatalf("restart on the same data: %v", err)
	}
	defer m.Close()
	c, err = Dial(ctx, e, DialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	resp, err := c.Get(ctx, "/neco/config/env")
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Kvs) != 1 || string(resp.Kvs[0].Value) != "staging" {
		t.Fatalf("after restart got %v, want the value written before", resp.Kvs)
	}
}

func TestMemberWaitEndsWithContext(t *testing.T) {
	e := embeddedConfig(t)
	m, err := StartMember(t.Context(), t.TempDir(), e, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- m.Wait(ctx) }()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Wait after cancel = %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Wait did not return after cancel")
	}
}

func TestMemberPortTaken(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	e := embeddedConfig(t)
	e.EmbeddedClientURL = "http://" + l.Addr().String()
	if m, err := StartMember(t.Context(), t.TempDir(), e, zap.NewNop()); err == nil {
		m.Close()
		t.Fatal("started on a port another process holds")
	} else if !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("error %q does not say the address is in use", err)
	}
}

func TestDialNoAnswer(t *testing.T) {
	e := config.DefaultLocal().Etcd
	e.Endpoints = []string{fmt.Sprintf("http://127.0.0.1:%d", freePort(t))}
	start := time.Now()
	c, err := Dial(t.Context(), e, DialOptions{ProbeTimeout: 300 * time.Millisecond})
	if err == nil {
		c.Close()
		t.Fatal("dialled an endpoint nothing listens on")
	}
	if !strings.Contains(err.Error(), e.Endpoints[0]) || !strings.Contains(err.Error(), "no answer within 300ms") {
		t.Fatalf("error %q should name the endpoint and the wait", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("Dial took %s; the probe timeout is 300ms", time.Since(start))
	}
}

func TestDialTLSFileErrors(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "ca.crt")
	if err := os.WriteFile(notPEM, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		e    config.EtcdConfig
		want string
	}{
		{"missing CA", config.EtcdConfig{TLSCAFile: filepath.Join(dir, "nope.crt")}, "etcd.tls-ca-file: open "},
		{"CA without PEM", config.EtcdConfig{TLSCAFile: notPEM}, "no PEM certificate found"},
		{"missing client pair", config.EtcdConfig{TLSCertFile: notPEM, TLSKeyFile: notPEM}, "etcd.tls-cert-file/tls-key-file: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.e.Endpoints = []string{"https://127.0.0.1:1"}
			_, err := Dial(t.Context(), tt.e, DialOptions{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Dial error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

// TestDialTLS runs a member that requires client certificates signed by a
// test CA: Dial succeeds with the pair from the config, and fails without.
func TestDialTLS(t *testing.T) {
	dir := t.TempDir()
	pki := newTestPKI(t, dir)
	clientURL := url.URL{Scheme: "https", Host: fmt.Sprintf("127.0.0.1:%d", freePort(t))}
	peerURL := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", freePort(t))}
	cfg := embed.NewConfig()
	cfg.Name, cfg.Dir = "tls", filepath.Join(dir, "data")
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{clientURL}, []url.URL{clientURL}
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{peerURL}, []url.URL{peerURL}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	cfg.ClientTLSInfo.CertFile, cfg.ClientTLSInfo.KeyFile = pki.serverCert, pki.serverKey
	cfg.ClientTLSInfo.TrustedCAFile, cfg.ClientTLSInfo.ClientCertAuth = pki.ca, true
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())
	srv, err := embed.StartEtcd(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	<-srv.Server.ReadyNotify()

	e := config.DefaultLocal().Etcd
	e.Endpoints = []string{clientURL.String()}
	e.TLSCAFile, e.TLSCertFile, e.TLSKeyFile = pki.ca, pki.clientCert, pki.clientKey
	c, err := Dial(t.Context(), e, DialOptions{})
	if err != nil {
		t.Fatalf("Dial with the client pair: %v", err)
	}
	if _, err := c.Put(t.Context(), "/neco/x", "y"); err != nil {
		t.Fatal(err)
	}
	c.Close()

	e.TLSCertFile, e.TLSKeyFile = "", ""
	if c, err := Dial(t.Context(), e, DialOptions{ProbeTimeout: time.Second}); err == nil {
		c.Close()
		t.Fatal("Dial without a client certificate succeeded against ClientCertAuth")
	}
}

type testPKI struct{ ca, serverCert, serverKey, clientCert, clientKey string }

// newTestPKI writes a CA and a server and a client pair signed by it.
func newTestPKI(t *testing.T, dir string) testPKI {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "neco test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	p := testPKI{ca: writePEM(t, dir, "ca.crt", "CERTIFICATE", caDER)}
	p.serverCert, p.serverKey = issue(t, dir, "server", caCert, caKey, 2, x509.ExtKeyUsageServerAuth)
	p.clientCert, p.clientKey = issue(t, dir, "client", caCert, caKey, 3, x509.ExtKeyUsageClientAuth)
	return p
}

func issue(t *testing.T, dir, name string, ca *x509.Certificate, caKey *ecdsa.PrivateKey, serial int64, usage x509.ExtKeyUsage) (string, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return writePEM(t, dir, name+".crt", "CERTIFICATE", der), writePEM(t, dir, name+".key", "EC PRIVATE KEY", keyDER)
}

func writePEM(t *testing.T, dir, name, typ string, der []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
