package etcdconn

import (
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"

	"github.com/necoship/neco/pkg/config"
	"github.com/necoship/neco/pkg/etcdtest"
)

func TestDialNoAnswer(t *testing.T) {
	l := config.DefaultLocal()
	l.Etcd.Endpoints = []string{"http://" + etcdtest.FreeAddr(t)}
	start := time.Now()
	c, err := Dial(t.Context(), l, DialOptions{ProbeTimeout: 300 * time.Millisecond})
	if err == nil {
		c.Close()
		t.Fatal("dialled an endpoint nothing listens on")
	}
	if !strings.Contains(err.Error(), l.Etcd.Endpoints[0]) || !strings.Contains(err.Error(), "no answer within 300ms") {
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
		{"client pair without PEM", config.EtcdConfig{TLSCertFile: notPEM, TLSKeyFile: notPEM}, "etcd.tls-cert-file " + notPEM + ", etcd.tls-key-file " + notPEM + ": tls: failed to find any PEM data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.e.Endpoints = []string{"https://127.0.0.1:1"}
			_, err := Dial(t.Context(), config.Local{Etcd: tt.e}, DialOptions{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Dial error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

// TestDialTLS runs a member that requires client certificates signed by a
// CA (the one a single-server site makes, used here as a multi-server
// site's would be): Dial succeeds with the pair from the config, and fails
// without.
func TestDialTLS(t *testing.T) {
	dir := t.TempDir()
	if err := writePKI(dir, time.Now()); err != nil {
		t.Fatal(err)
	}
	pki := struct{ ca, serverCert, serverKey, clientCert, clientKey string }{
		filepath.Join(dir, caCertFile), filepath.Join(dir, memberCertFile), filepath.Join(dir, memberKeyFile),
		filepath.Join(dir, rootCertFile), filepath.Join(dir, rootKeyFile),
	}
	clientURL := url.URL{Scheme: "https", Host: etcdtest.FreeAddr(t)}
	peerURL := url.URL{Scheme: "http", Host: etcdtest.FreeAddr(t)}
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

	l := config.DefaultLocal()
	l.Etcd.Endpoints = []string{clientURL.String()}
	l.Etcd.TLSCAFile, l.Etcd.TLSCertFile, l.Etcd.TLSKeyFile = pki.ca, pki.clientCert, pki.clientKey
	c, err := Dial(t.Context(), l, DialOptions{})
	if err != nil {
		t.Fatalf("Dial with the client pair: %v", err)
	}
	if _, err := c.Put(t.Context(), "/neco/x", "y"); err != nil {
		t.Fatal(err)
	}
	c.Close()

	l.Etcd.TLSCertFile, l.Etcd.TLSKeyFile = "", ""
	if c, err := Dial(t.Context(), l, DialOptions{ProbeTimeout: time.Second}); err == nil {
		c.Close()
		t.Fatal("Dial without a client certificate succeeded against ClientCertAuth")
	}
}

// TestCheckTLSFiles: each unusable file is named by its config field.
func TestCheckTLSFiles(t *testing.T) {
	l := etcdtest.EmbeddedLocal(t)
	pki, err := ensurePKI(l.DataDir, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ca, cert, key := filepath.Join(pki, caCertFile), filepath.Join(pki, rootCertFile), filepath.Join(pki, rootKeyFile)
	missing := filepath.Join(t.TempDir(), "missing")
	tests := []struct {
		name string
		e    config.EtcdConfig
		want string // "" for no error
	}{
		{"none", config.EtcdConfig{}, ""},
		{"good", config.EtcdConfig{TLSCAFile: ca, TLSCertFile: cert, TLSKeyFile: key, UpdaterTLSCertFile: cert, UpdaterTLSKeyFile: key}, ""},
		{"missing ca", config.EtcdConfig{TLSCAFile: missing}, "etcd.tls-ca-file: open " + missing + ": no such file or directory"},
		{"endless ca", config.EtcdConfig{TLSCAFile: "/dev/zero"}, "etcd.tls-ca-file: /dev/zero: larger than 1048576 bytes"},
		{"ca without pem", config.EtcdConfig{TLSCAFile: key}, "etcd.tls-ca-file " + key + ": no PEM certificate found"},
		{"missing key", config.EtcdConfig{TLSCertFile: cert, TLSKeyFile: missing}, "etcd.tls-key-file: open " + missing + ": no such file or directory"},
		{"updater missing cert", config.EtcdConfig{UpdaterTLSCertFile: missing, UpdaterTLSKeyFile: key}, "etcd.updater-tls-cert-file: open " + missing + ": no such file or directory"},
		{"key of another cert", config.EtcdConfig{TLSCertFile: ca, TLSKeyFile: key},
			"etcd.tls-cert-file " + ca + ", etcd.tls-key-file " + key + ": tls: private key does not match public key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := config.DefaultLocal()
			l.Etcd = tt.e
			err := CheckTLSFiles(l)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("CheckTLSFiles = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestDialSaysQuorumIsLost: with two of three members stopped, the one
// left answers its status but knows no leader, and Dial says so instead
// of a bare timeout.
func TestDialSaysQuorumIsLost(t *testing.T) {
	c := etcdtest.StartCluster(t, 3)
	l := config.DefaultLocal()
	l.Etcd.Endpoints = c.Endpoints()
	if cl, err := Dial(t.Context(), l, DialOptions{ProbeTimeout: 5 * time.Second}); err != nil {
		t.Fatalf("Dial with every member up: %v", err)
	} else {
		cl.Close()
	}
	c.StopMember(1)
	c.StopMember(2)
	// The member left forgets its leader after an election timeout.
	var err error
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); {
		var cl *clientv3.Client
		cl, err = Dial(t.Context(), l, DialOptions{ProbeTimeout: time.Second})
		if err == nil {
			cl.Close()
			t.Fatal("Dial succeeded with two of three members stopped")
		}
		if errors.Is(err, ErrNoLeader) {
			break
		}
	}
	if !errors.Is(err, ErrNoLeader) || !strings.Contains(err.Error(), "1 of 3 endpoints answer and none knows a leader") {
		t.Fatalf("Dial = %v, want ErrNoLeader naming 1 of 3 endpoints", err)
	}
}
