//go:build dctest

package harness

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/necoship/neco/pkg/access"
)

// certValidity covers any test run; the servers share the host's clock.
const certValidity = 7 * 24 * time.Hour

// authority is a throw-away CA for one run: its etcd's, or a host
// service's (NewServerCert).
type authority struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

func newAuthority(cn string) (*authority, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := certTemplate(cn)
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

// NewServerCert makes a throw-away CA, named cn, and a certificate it
// signs for a TLS server on ips: for an https endpoint on HostIP that the
// servers call (a notification receiver), once they trust caPEM. The CA is
// not etcd's, so trusting it gives nothing of etcd away.
func NewServerCert(cn string, ips ...string) (caPEM []byte, cert tls.Certificate, err error) {
	ca, err := newAuthority(cn + " CA")
	if err != nil {
		return nil, tls.Certificate{}, fmt.Errorf("%s CA: %w", cn, err)
	}
	var addrs []net.IP
	for _, ip := range ips {
		a := net.ParseIP(ip)
		if a == nil {
			return nil, tls.Certificate{}, fmt.Errorf("%s certificate: %q is not an IP address", cn, ip)
		}
		addrs = append(addrs, a)
	}
	certPEM, keyPEM, err := ca.issue(cn, true, nil, addrs)
	if err != nil {
		return nil, tls.Certificate{}, fmt.Errorf("%s certificate: %w", cn, err)
	}
	cert, err = tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, tls.Certificate{}, fmt.Errorf("%s certificate: %w", cn, err)
	}
	return ca.pem, cert, nil
}

// TLSFiles names a CA certificate, a certificate and its key.
type TLSFiles struct {
	CA, Cert, Key string
}

// Etcd users with a certificate in every run. With --client-cert-auth,
// etcd takes a client certificate's common name as the user once
// authentication is on (site.Install turns it on with `neco auth setup`):
// root has every right, the others only what neco's roles grant them
// (pkg/access).
const (
	// RootUser is etcd's root; the harness's own client (Client, Etcdctl)
	// and neco's root.yml in the site use it.
	RootUser = access.UserRoot
	// OperatorUser is the site's operator (role neco-operator once `neco
	// auth setup --operator` names it): the CLI of an SRE.
	OperatorUser = "dct-operator"
)

// WorkerUser is the etcd user of neco-worker on server lrn; its
// certificate is only in that server.
func WorkerUser(lrn int) string { return access.WorkerUser(lrn) }

// UpdaterUser is the etcd user of neco-updater on server lrn; its
// certificate is only in that server.
func UpdaterUser(lrn int) string { return access.UpdaterUser(lrn) }

// keyPair is a certificate and its key, PEM.
type keyPair struct{ cert, key []byte }

// etcdPKI is what one run's etcd needs, as files: in dir on the host, in
// etcdTLSDir inside each server.
type etcdPKI struct {
	ca      []byte
	members []keyPair // per LRN
	// users are the client certificates by common name: every server has
	// root's and the operator's, server i also its daemons' (serverUsers).
	users   map[string]keyPair
	hostDir string
}

// serverUsers are the users whose certificates go into server lrn.
func serverUsers(lrn int) []string {
	return []string{RootUser, OperatorUser, WorkerUser(lrn), UpdaterUser(lrn)}
}

func newEtcdPKI(dir string, n int) (*etcdPKI, error) {
	ca, err := newAuthority("dctest etcd CA")
	if err != nil {
		return nil, fmt.Errorf("etcd CA: %w", err)
	}
	p := &etcdPKI{ca: ca.pem, users: map[string]keyPair{}, hostDir: dir}
	for i := range n {
		c, k, err := ca.issue(fmt.Sprintf("boot-%d", i), true,
			[]string{fmt.Sprintf("boot-%d", i), "localhost"},
			[]net.IP{net.ParseIP(ServerIP(i)), net.IPv4(127, 0, 0, 1)})
		if err != nil {
			return nil, fmt.Errorf("etcd member cert: %w", err)
		}
		p.members = append(p.members, keyPair{c, k})
	}
	names := []string{RootUser, OperatorUser}
	for i := range n {
		names = append(names, WorkerUser(i), UpdaterUser(i))
	}
	for _, name := range names {
		c, k, err := ca.issue(name, false, nil, nil)
		if err != nil {
			return nil, fmt.Errorf("etcd client cert %s: %w", name, err)
		}
		p.users[name] = keyPair{c, k}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	files := map[string][]byte{filepath.Join(dir, "ca.crt"): p.ca}
	for name, kp := range p.users {
		files[filepath.Join(dir, name+".crt")], files[filepath.Join(dir, name+".key")] = kp.cert, kp.key
	}
	for path, data := range files {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// hostTLS names user's certificate files on the host.
func (p *etcdPKI) hostTLS(user string) TLSFiles {
	return TLSFiles{CA: filepath.Join(p.hostDir, "ca.crt"),
		Cert: filepath.Join(p.hostDir, user+".crt"), Key: filepath.Join(p.hostDir, user+".key")}
}

// serverFiles are the files of etcdTLSDir in server lrn, by name.
func (p *etcdPKI) serverFiles(lrn int) map[string][]byte {
	files := map[string][]byte{"ca.crt": p.ca, "member.crt": p.members[lrn].cert, "member.key": p.members[lrn].key}
	for _, name := range serverUsers(lrn) {
		files[name+".crt"], files[name+".key"] = p.users[name].cert, p.users[name].key
	}
	return files
}
