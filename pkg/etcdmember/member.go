package etcdmember

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"go.etcd.io/etcd/client/pkg/v3/transport"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"

	"github.com/necoship/neco/pkg/config"
	"github.com/necoship/neco/pkg/etcdconn"
)

// Member is the embedded single-member etcd of a single-server site.
type Member struct {
	etcd *embed.Etcd
}

// readyTimeout bounds the wait for the member to serve. A fresh member is
// ready in well under a second; replaying a large WAL after a crash takes
// longer, which is why this is generous.
const readyTimeout = 2 * time.Minute

// memberName is fixed: the data directory belongs to this one member, and
// a name that changed with the hostname would no longer match it.
const memberName = "neco"

// StartMember runs the embedded member with its data in dataDir/etcd,
// listening on e's embedded URLs, and returns once it serves clients. An
// existing data directory is reused: the cluster's state survives restarts.
// Clients and peers must show a certificate of the member's own authority
// in dataDir/etcd-pki, created on the first start (etcdconn.EnsurePKI).
func StartMember(ctx context.Context, dataDir string, e config.EtcdConfig, log *zap.Logger) (*Member, error) {
	client, err := url.Parse(e.EmbeddedClientURL)
	if err != nil {
		return nil, fmt.Errorf("embedded etcd client url: %w", err)
	}
	peer, err := url.Parse(e.EmbeddedPeerURL)
	if err != nil {
		return nil, fmt.Errorf("embedded etcd peer url: %w", err)
	}
	dir := filepath.Join(dataDir, "etcd")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("embedded etcd: %w", err)
	}
	creds, err := etcdconn.EnsurePKI(dataDir, time.Now())
	if err != nil {
		return nil, err
	}
	cfg := embed.NewConfig()
	cfg.Name = memberName
	cfg.Dir = dir
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{*client}, []url.URL{*client}
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{*peer}, []url.URL{*peer}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	tlsInfo := transport.TLSInfo{
		CertFile:       creds.CertFile,
		KeyFile:        creds.KeyFile,
		TrustedCAFile:  creds.CAFile,
		ClientCertAuth: true,
	}
	// The peer port too: a local user who could speak raft to it could
	// append entries as a leader of a higher term.
	cfg.ClientTLSInfo, cfg.PeerTLSInfo = tlsInfo, tlsInfo
	// Metrics stay on neco's own endpoint; the member adds none of its own.
	cfg.ListenMetricsUrls = nil
	// neco speaks gRPC only: the JSON gateway would be one more way into
	// the member, for no client of neco's.
	cfg.EnableGRPCGateway = false
	// NewConfig leaves this at 0, which logs every request as slow.
	cfg.WarningUnaryRequestDuration = embed.DefaultWarningUnaryRequestDuration
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(log.Named("etcd").WithOptions(zap.IncreaseLevel(zap.WarnLevel)))
	m, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, fmt.Errorf("start embedded etcd in %s: %w", dir, err)
	}
	select {
	case <-m.Server.ReadyNotify():
		return &Member{etcd: m}, nil
	case err := <-m.Err():
		m.Close()
		return nil, fmt.Errorf("embedded etcd: %w", err)
	case <-time.After(readyTimeout):
		m.Close()
		return nil, fmt.Errorf("embedded etcd in %s: not ready after %s", dir, readyTimeout)
	case <-ctx.Done():
		m.Close()
		return nil, fmt.Errorf("embedded etcd: %w", ctx.Err())
	}
}

// Close stops the member; it waits for in-flight requests to end.
func (m *Member) Close() {
	m.etcd.Close()
}

// errMemberStopped is what Wait returns when the member ended by itself.
var errMemberStopped = errors.New("embedded etcd stopped")

// Wait blocks until ctx ends (nil) or the member fails (its error).
func (m *Member) Wait(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return nil
	case err, ok := <-m.etcd.Err():
		if !ok || err == nil {
			return errMemberStopped
		}
		return fmt.Errorf("embedded etcd: %w", err)
	case <-m.etcd.Server.StopNotify():
		return errMemberStopped
	}
}
