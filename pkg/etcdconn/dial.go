package etcdconn

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/necoship/neco/pkg/config"
)

// DialOptions tune Dial; the zero value is fine for daemons and the CLI.
type DialOptions struct {
	// Logger receives the etcd client's own warnings; nil discards them.
	Logger *zap.Logger
	// ProbeTimeout bounds the first round trip that proves the cluster
	// answers; default 5s.
	ProbeTimeout time.Duration
}

// defaultProbeTimeout is long enough for a member election, short enough
// that an operator with a wrong endpoint is not left staring at a prompt.
const defaultProbeTimeout = 5 * time.Second

// Keepalive pings find a connection to a member that vanished without a
// FIN or RST (its link went down, a partition): without them the
// client's balancer keeps sending every third request to that member
// until TCP gives up, minutes later, and each of those requests times
// out. gRPC pings a connection only while a request is in flight on it
// (etcd refuses pings on idle connections), and pings at once when a
// request wakes an idle connection: a dead member is closed
// keepaliveTimeout into the first request sent to it, and the requests
// go to the other members. A watch or a lease keepalive stream on that
// connection is in flight all the time: it learns of the loss within
// keepaliveTime + keepaliveTimeout, which must stay under the election
// session's TTL (10s), or a candidate whose connection went to a cut-off
// member would lose its own lease, and would see a dead leader's key go
// only late (dctest TestLeaderPartitioned). keepaliveTime stays above
// etcd's --grpc-keepalive-min-time (5s), below which etcd hangs up on the
// client.
const (
	keepaliveTime    = 6 * time.Second
	keepaliveTimeout = 3 * time.Second
)

// Dial connects to the etcd that l's etcd section describes and proves it
// answers with one read, so a wrong endpoint or certificate is one clear
// error here rather than a timeout on the first real call. On a
// single-server site it shows root's certificate from data-dir/etcd-pki
// unless the section names other files.
func Dial(ctx context.Context, l config.Local, o DialOptions) (*clientv3.Client, error) {
	e, ownPKI := clientConfig(l)
	endpoints := e.ClientEndpoints()
	tlsCfg, err := tlsConfig(e)
	if err != nil {
		if ownPKI {
			err = explainEmbedded(err, PKIDir(l.DataDir))
		}
		return nil, err
	}
	log := o.Logger
	if log == nil {
		log = zap.NewNop()
	}
	c, err := clientv3.New(clientv3.Config{
		Endpoints:            endpoints,
		DialTimeout:          defaultProbeTimeout,
		DialKeepAliveTime:    keepaliveTime,
		DialKeepAliveTimeout: keepaliveTimeout,
		TLS:                  tlsCfg,
		Logger:               log,
		Context:              ctx,
	})
	if err != nil {
		return nil, fmt.Errorf("etcd %v: %w", endpoints, err)
	}
	probe := o.ProbeTimeout
	if probe <= 0 {
		probe = defaultProbeTimeout
	}
	pctx, cancel := context.WithTimeout(ctx, probe)
	defer cancel()
	if _, err := c.Get(pctx, e.Prefix, clientv3.WithCountOnly(), clientv3.WithLimit(1)); err != nil {
		// Name the probe's bound only when it was the one that ran out: a
		// caller's shorter deadline (neco --timeout 2s) is the caller's to
		// explain.
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
			err = fmt.Errorf("no answer within %s", probe)
		}
		// Members that answer but know no leader say why no read does.
		if ctx.Err() == nil {
			if why := diagnose(ctx, c, endpoints); why != nil {
				err = fmt.Errorf("%v: %w", err, why)
			}
		}
		c.Close()
		return nil, fmt.Errorf("etcd %v: %w", endpoints, err)
	}
	return c, nil
}

// clientConfig is l's etcd section as a client uses it: on a single-server
// site whose section names no TLS files, those of root in the embedded
// member's authority (ownPKI), so that an error reading them can say why.
func clientConfig(l config.Local) (e config.EtcdConfig, ownPKI bool) {
	e = l.Etcd
	if !e.Embedded() || e.TLSCAFile != "" || e.TLSCertFile != "" {
		return e, false
	}
	dir := PKIDir(l.DataDir)
	e.TLSCAFile = filepath.Join(dir, caCertFile)
	e.TLSCertFile = filepath.Join(dir, rootCertFile)
	e.TLSKeyFile = filepath.Join(dir, rootKeyFile)
	return e, true
}

// explainEmbedded says what a client of the embedded member lacks when it
// cannot read the credentials: the common cases are a user other than
// root and a neco-etcd that never started.
func explainEmbedded(err error, dir string) error {
	switch {
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("%w: the embedded etcd takes only root's certificate in %s: run this as root", err, dir)
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%w: neco-etcd creates the embedded etcd's credentials in %s when it first starts", err, dir)
	}
	return err
}

// tlsConfig builds the client TLS settings, or nil when e names no files
// (plain http endpoints of a multi-server site).
func tlsConfig(e config.EtcdConfig) (*tls.Config, error) {
	if e.TLSCAFile == "" && e.TLSCertFile == "" {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if e.TLSCAFile != "" {
		pool, err := loadCA("etcd.tls-ca-file", e.TLSCAFile)
		if err != nil {
			return nil, err
		}
		cfg.RootCAs = pool
	}
	if e.TLSCertFile != "" {
		cert, err := loadKeyPair("etcd.tls-cert-file", e.TLSCertFile, "etcd.tls-key-file", e.TLSKeyFile)
		if err != nil {
			return nil, err
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

// CheckTLSFiles reads and parses every TLS file l names, so that a daemon
// with a missing or broken file exits at start naming the field, instead
// of retrying a dial that can never succeed.
func CheckTLSFiles(l config.Local) error {
	e := l.Etcd
	if e.TLSCAFile != "" {
		if _, err := loadCA("etcd.tls-ca-file", e.TLSCAFile); err != nil {
			return err
		}
	}
	if e.TLSCertFile != "" {
		if _, err := loadKeyPair("etcd.tls-cert-file", e.TLSCertFile, "etcd.tls-key-file", e.TLSKeyFile); err != nil {
			return err
		}
	}
	if e.UpdaterTLSCertFile != "" {
		if _, err := loadKeyPair("etcd.updater-tls-cert-file", e.UpdaterTLSCertFile,
			"etcd.updater-tls-key-file", e.UpdaterTLSKeyFile); err != nil {
			return err
		}
	}
	return nil
}

// loadCA reads a bundle of CA certificates, bounded: a path such as
// /dev/zero is an error, not an exhausted memory.
func loadCA(field, path string) (*x509.CertPool, error) {
	pem, err := readCapped(path, maxPKIFile)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", field, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s %s: no PEM certificate found", field, path)
	}
	return pool, nil
}

func loadKeyPair(certField, certPath, keyField, keyPath string) (tls.Certificate, error) {
	certPEM, err := readCapped(certPath, maxPKIFile)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("%s: %w", certField, err)
	}
	keyPEM, err := readCapped(keyPath, maxPKIFile)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("%s: %w", keyField, err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("%s %s, %s %s: %w", certField, certPath, keyField, keyPath, err)
	}
	return cert, nil
}
