package etcdconn

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// The embedded member of a single-server site takes only clients that
// show a certificate signed by its own certificate authority, and root
// alone can read the one client key there is (docs/etcd.md, "The embedded
// member"). Without this, any local user could read the GitHub token from
// etcd, or point github-api-url at a mirror of its own and have
// neco-worker run its plan as root.
//
// Client certificates rather than a unix socket or etcd passwords: the
// same mechanism (a TLS client certificate whose common name is the etcd
// user) serves multi-server sites, and the member's peer port is closed the
// same way.

// pkiDirName is the directory under data-dir that holds the authority.
const pkiDirName = "etcd-pki"

// The files of the authority. Keys are 0600 in a 0700 directory; the
// certificates are not secret but live beside them.
const (
	caCertFile     = "ca.crt"
	caKeyFile      = "ca.key"
	memberCertFile = "member.crt"
	memberKeyFile  = "member.key"
	rootCertFile   = "root.crt"
	rootKeyFile    = "root.key"
)

// rootCommonName names root's client certificate: etcd's root user, once
// authentication is enabled.
const rootCommonName = "root"

// certLifetime is long: nothing renews these certificates by itself, and
// docs/operations.md says how to replace them (remove the directory and
// restart neco-updater). The CA key never leaves the server.
const certLifetime = 10 * 365 * 24 * time.Hour

// PKIDir is where the embedded member's authority lives under dataDir.
func PKIDir(dataDir string) string { return filepath.Join(dataDir, pkiDirName) }

// MemberFiles are the embedded member's own credentials: the authority
// its clients' certificates must be signed by, and its certificate and key.
type MemberFiles struct {
	CAFile, CertFile, KeyFile string
}

// EnsurePKI returns the member's credentials under dataDir, creating the
// authority on the first start.
func EnsurePKI(dataDir string, now time.Time) (MemberFiles, error) {
	dir, err := ensurePKI(dataDir, now)
	if err != nil {
		return MemberFiles{}, err
	}
	return MemberFiles{
		CAFile:   filepath.Join(dir, caCertFile),
		CertFile: filepath.Join(dir, memberCertFile),
		KeyFile:  filepath.Join(dir, memberKeyFile),
	}, nil
}

// ensurePKI returns the authority's directory under dataDir, creating
// it on the first start. It is built in a temporary directory and renamed
// into place, so that a client never finds half of it.
func ensurePKI(dataDir string, now time.Time) (string, error) {
	dir := PKIDir(dataDir)
	switch _, err := os.Stat(dir); {
	case err == nil:
		return dir, checkPKI(dir)
	case !errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("embedded etcd credentials: %w", err)
	}
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return "", fmt.Errorf("embedded etcd credentials: %w", err)
	}
	tmp, err := os.MkdirTemp(dataDir, "."+pkiDirName+"-") // 0700
	if err != nil {
		return "", fmt.Errorf("embedded etcd credentials: %w", err)
	}
	defer os.RemoveAll(tmp)
	if err := writePKI(tmp, now); err != nil {
		return "", fmt.Errorf("embedded etcd credentials: %w", err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return "", fmt.Errorf("embedded etcd credentials: %w", err)
	}
	return dir, nil
}

// checkPKI refuses an authority whose files are missing or whose keys
// others can read: the member would start, and the secret would be out.
func checkPKI(dir string) error {
	for _, name := range []string{caCertFile, caKeyFile, memberCertFile, memberKeyFile, rootCertFile, rootKeyFile} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			return fmt.Errorf("embedded etcd credentials: %w (remove %s to create new ones)", err, dir)
		}
		if filepath.Ext(name) == ".key" && fi.Mode().Perm()&0o077 != 0 {
			return fmt.Errorf("embedded etcd credentials: %s is mode %v: group and others must not read it (chmod 600)",
				filepath.Join(dir, name), fi.Mode().Perm())
		}
	}
	return nil
}

// writePKI writes a new authority, the member's certificate (server and
// peer) and root's client certificate into dir.
func writePKI(dir string, now time.Time) error {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	caTmpl, err := template(now, "neco embedded etcd CA")
	if err != nil {
		return err
	}
	caTmpl.IsCA, caTmpl.BasicConstraintsValid = true, true
	caTmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return err
	}
	if err := writePair(dir, caCertFile, caKeyFile, caDER, caKey); err != nil {
		return err
	}
	member, err := template(now, "neco embedded etcd member")
	if err != nil {
		return err
	}
	// The member serves clients and peers on loopback, and dials its peer
	// URL as a client.
	member.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
	member.DNSNames = []string{"localhost"}
	member.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
	if err := issue(dir, memberCertFile, memberKeyFile, member, ca, caKey); err != nil {
		return err
	}
	root, err := template(now, rootCommonName)
	if err != nil {
		return err
	}
	root.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	return issue(dir, rootCertFile, rootKeyFile, root, ca, caKey)
}

// template is a certificate for cn, valid from a minute before now (a
// clock stepped back a little must not invalidate it) for certLifetime.
func template(now time.Time, cn string) (*x509.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, err
	}
	return &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: cn, Organization: []string{"neco"}},
		NotBefore:    now.Add(-time.Minute),
		NotAfter:     now.Add(certLifetime),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}, nil
}

// issue signs tmpl with the CA and writes the certificate and a new key.
func issue(dir, certName, keyName string, tmpl, ca *x509.Certificate, caKey *ecdsa.PrivateKey) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return fmt.Errorf("sign %s: %w", tmpl.Subject.CommonName, err)
	}
	return writePair(dir, certName, keyName, der, key)
}

func writePair(dir, certName, keyName string, der []byte, key *ecdsa.PrivateKey) error {
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	if err := os.WriteFile(filepath.Join(dir, keyName), keyPEM, 0o600); err != nil {
		return err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	return os.WriteFile(filepath.Join(dir, certName), certPEM, 0o644)
}
