//go:build dctest

package harness

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// certValidity covers any test run; the servers share the host's clock.
const certValidity = 7 * 24 * time.Hour

// authority is a throw-away CA for one run's etcd.
type authority struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

func newAuthority() (*authority, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := certTemplate("dctest etcd CA")
	tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
	tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &authority{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}, nil
}

func certTemplate(cn string) *x509.Certificate {
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	now := time.Now()
	return &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(certValidity),
	}
}

// issue returns a certificate and key in PEM. A member's certificate serves
// both sides of its peer connections, so it is for server and client auth;
// ips (and hosts) are its SANs.
func (a *authority) issue(cn string, server bool, hosts []string, ips []net.IP) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := certTemplate(cn)
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	if server {
		tmpl.ExtKeyUsage = append(tmpl.ExtKeyUsage, x509.ExtKeyUsageServerAuth)
	}
	tmpl.DNSNames, tmpl.IPAddresses = hosts, ips
	der, err := x509.CreateCertificate(rand.Reader, tmpl, a.cert, &key.PublicKey, a.key)
	if err != nil {
		return nil, nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), nil
}

// TLSFiles names a CA certificate, a certificate and its key.
type TLSFiles struct {
	CA, Cert, Key string
}

// etcdPKI is what one run's etcd needs, as files: in dir on the host, in
// etcdTLSDir inside each server.
type etcdPKI struct {
	ca      []byte
	members [][2][]byte // cert, key per LRN
	client  [2][]byte
	hostTLS TLSFiles
}

func newEtcdPKI(dir string, n int) (*etcdPKI, error) {
	ca, err := newAuthority()
	if err != nil {
		return nil, fmt.Errorf("etcd CA: %w", err)
	}
	p := &etcdPKI{ca: ca.pem}
	for i := range n {
		c, k, err := ca.issue(fmt.Sprintf("boot-%d", i), true,
			[]string{fmt.Sprintf("boot-%d", i), "localhost"},
			[]net.IP{net.ParseIP(ServerIP(i)), net.IPv4(127, 0, 0, 1)})
		if err != nil {
			return nil, fmt.Errorf("etcd member cert: %w", err)
		}
		p.members = append(p.members, [2][]byte{c, k})
	}
	c, k, err := ca.issue("neco", false, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("etcd client cert: %w", err)
	}
	p.client = [2][]byte{c, k}
	p.hostTLS = TLSFiles{CA: filepath.Join(dir, "ca.crt"), Cert: filepath.Join(dir, "client.crt"), Key: filepath.Join(dir, "client.key")}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	for path, data := range map[string][]byte{p.hostTLS.CA: p.ca, p.hostTLS.Cert: c, p.hostTLS.Key: k} {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return nil, err
		}
	}
	return p, nil
}
