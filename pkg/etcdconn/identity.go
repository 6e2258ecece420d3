package etcdconn

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/necoship/neco/pkg/config"
)

// User is the etcd user a client dialled with l acts as: with etcd's
// --client-cert-auth, the common name of the client certificate. It is
// "" when l names no certificate (a plain http site without auth). The
// CLI records it with each config change; etcd itself enforces it.
func User(l config.Local) (string, error) {
	e, _ := clientConfig(l)
	if e.TLSCertFile == "" {
		return "", nil
	}
	data, err := readCapped(e.TLSCertFile, maxPKIFile)
	if err != nil {
		return "", fmt.Errorf("etcd.tls-cert-file: %w", err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE" {
		return "", fmt.Errorf("etcd.tls-cert-file %s: no PEM certificate found", e.TLSCertFile)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return "", fmt.Errorf("etcd.tls-cert-file %s: %w", e.TLSCertFile, err)
	}
	if cert.Subject.CommonName == "" {
		return "", errors.New("etcd.tls-cert-file " + e.TLSCertFile + ": the certificate has no common name, which etcd takes as the user")
	}
	return cert.Subject.CommonName, nil
}

// readCapped reads at most limit bytes of path and refuses a larger file,
// so that a path such as /dev/zero is an error, not an exhausted memory.
func readCapped(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, limit)
	}
	return data, nil
}
