package etcdconn

import (
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"path/filepath"
	"time"
)

// maxPKIFile bounds a certificate, key or CA bundle neco reads: the
// system's whole CA bundle is about 200 KiB.
const maxPKIFile = 1 << 20

// IssueClient signs a client certificate whose common name is user with
// the embedded member's authority under dataDir, and writes it to outDir
// as user.crt and user.key (0600). etcd takes the common name as the
// user, so the certificate acts as that etcd user once etcd auth is on:
// a read-only account for a local group, or each principal in tests. Only
// root can run it: the authority's key is root's alone.
func IssueClient(dataDir, user, outDir string, now time.Time) (certFile, keyFile string, err error) {
	if user == "" || filepath.Base(user) != user || user[0] == '.' {
		return "", "", fmt.Errorf("issue client certificate: user %q: want a plain name", user)
	}
	dir := PKIDir(dataDir)
	ca, caKey, err := loadAuthority(dir)
	if err != nil {
		return "", "", explainEmbedded(err, dir)
	}
	tmpl, err := template(now, user)
	if err != nil {
		return "", "", err
	}
	tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	if err := issue(outDir, user+".crt", user+".key", tmpl, ca, caKey); err != nil {
		return "", "", fmt.Errorf("issue client certificate for %s: %w", user, err)
	}
	return filepath.Join(outDir, user+".crt"), filepath.Join(outDir, user+".key"), nil
}

// loadAuthority reads the CA's certificate and key from dir.
func loadAuthority(dir string) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	certPEM, err := readCapped(filepath.Join(dir, caCertFile), maxPKIFile)
	if err != nil {
		return nil, nil, err
	}
	keyPEM, err := readCapped(filepath.Join(dir, caKeyFile), maxPKIFile)
	if err != nil {
		return nil, nil, err
	}
	cb, _ := pem.Decode(certPEM)
	kb, _ := pem.Decode(keyPEM)
	if cb == nil || kb == nil {
		return nil, nil, errors.New(dir + ": the authority's certificate or key is not PEM")
	}
	ca, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", caCertFile, err)
	}
	key, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", caKeyFile, err)
	}
	ecKey, ok := key.(*ecdsa.PrivateKey)
	if !ok {
		return nil, nil, fmt.Errorf("%s: want an ECDSA key, got %T", caKeyFile, key)
	}
	return ca, ecKey, nil
}
