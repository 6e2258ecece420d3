//go:build dctest

package harness

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path"
	"strconv"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"
	"google.golang.org/grpc"
)

// EtcdUnit is the systemd unit of the etcd member in every server
// (Debian's etcd.service is masked in the rootfs).
const EtcdUnit = "dct-etcd.service"

// etcdTLSDir holds, inside every server, the CA, the member's certificate
// and the client certificates of the users of that server (serverUsers),
// each as USER.crt and USER.key, all mode 0600.
const etcdTLSDir = "/etc/dct-etcd"

// Etcd is the run's etcd cluster: one member per server, TLS on client and
// peer URLs with client certificates required. Each certificate's common
// name is an etcd user (RootUser, OperatorUser, WorkerUser, UpdaterUser);
// the harness leaves authentication off, site.Install turns it on.
//
// The test process is not in the run's namespaces. Client reaches the
// members anyway through Network.DialContext (each connection is made in
// the bridge namespace); Etcdctl runs etcdctl inside a server, which is
// how neco itself sees etcd. Both act as root; EtcdctlAs as another user.
type Etcd struct {
	servers []*Server
	nw      *Network
	pki     *etcdPKI
}

// startEtcd writes certificates and the unit into every server and starts
// the members together: each `systemctl start` returns when its member is
// ready (Type=notify), which needs a quorum, so starting them one by one
// would block on the first.
func startEtcd(ctx context.Context, dir string, servers []*Server, nw *Network) (*Etcd, error) {
	pki, err := newEtcdPKI(dir, len(servers))
	if err != nil {
		return nil, err
	}
	e := &Etcd{servers: servers, nw: nw, pki: pki}
	g, gctx := errgroup.WithContext(ctx)
	for i, s := range servers {
		g.Go(func() error {
			for name, data := range pki.serverFiles(i) {
				if err := s.WriteFile(gctx, path.Join(etcdTLSDir, name), data, 0o600); err != nil {
					return fmt.Errorf("etcd: %w", err)
				}
			}
			if err := s.WriteFile(gctx, "/etc/systemd/system/"+EtcdUnit, []byte(e.unit(i)), 0o644); err != nil {
				return fmt.Errorf("etcd: %w", err)
			}
			if _, err := s.Exec(gctx, "systemctl", "enable", "--now", EtcdUnit); err != nil {
				return fmt.Errorf("etcd: %w; journal:\n%s", err, e.journal(s))
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return e, nil
}

// unit is the member's unit file: Debian's /usr/bin/etcd with the flags of
// a static 3-member cluster, data in /var/lib/dct-etcd (on the server's
// disk, so it survives Stop and Boot).
func (e *Etcd) unit(i int) string {
	ip := ServerIP(i)
	var cluster []string
	for j := range e.servers {
		cluster = append(cluster, fmt.Sprintf("boot-%d=https://%s:2380", j, ServerIP(j)))
	}
	tlsDir := etcdTLSDir
	args := []string{
		"--name=boot-" + fmt.Sprint(i),
		"--data-dir=/var/lib/dct-etcd",
		"--listen-client-urls=https://" + ip + ":2379,https://127.0.0.1:2379",
		"--advertise-client-urls=https://" + ip + ":2379",
		"--listen-peer-urls=https://" + ip + ":2380",
		"--initial-advertise-peer-urls=https://" + ip + ":2380",
		"--initial-cluster=" + strings.Join(cluster, ","),
		"--initial-cluster-state=new",
		"--initial-cluster-token=dctest",
		"--client-cert-auth", "--trusted-ca-file=" + tlsDir + "/ca.crt",
		"--cert-file=" + tlsDir + "/member.crt", "--key-file=" + tlsDir + "/member.key",
		"--peer-client-cert-auth", "--peer-trusted-ca-file=" + tlsDir + "/ca.crt",
		"--peer-cert-file=" + tlsDir + "/member.crt", "--peer-key-file=" + tlsDir + "/member.key",
		"--logger=zap",
	}
	return fmt.Sprintf(`[Unit]
Description=etcd member boot-%d of the data-center test
After=network.target

[Service]
Type=notify
ExecStart=/usr/bin/etcd %s
Restart=on-failure
RestartSec=1s
TimeoutStartSec=90s
LimitNOFILE=65536

[Install]
WantedBy=multi-user.target
`, i, strings.Join(args, " \\\n  "))
}

// journal returns the member's recent log in s, for errors.
func (e *Etcd) journal(s *Server) string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, _ := s.Exec(ctx, "journalctl", "--no-pager", "-n", "30", "-u", EtcdUnit)
	return res.Stdout
}

// Endpoints are the members' client URLs, LRN order.
func (e *Etcd) Endpoints() []string {
	var eps []string
	for i := range e.servers {
		eps = append(eps, fmt.Sprintf("https://%s:2379", ServerIP(i)))
	}
	return eps
}

// ClientTLS names root's certificate files inside every server, what
// Client and Etcdctl use.
func (e *Etcd) ClientTLS() TLSFiles { return e.UserTLS(RootUser) }

// UserTLS names user's certificate files inside the servers: neco's
// tls-ca-file, tls-cert-file and tls-key-file for that user. Root's and
// the operator's are in every server, WorkerUser(i)'s and UpdaterUser(i)'s
// only in server i.
func (e *Etcd) UserTLS(user string) TLSFiles {
	return TLSFiles{CA: etcdTLSDir + "/ca.crt", Cert: etcdTLSDir + "/" + user + ".crt", Key: etcdTLSDir + "/" + user + ".key"}
}

// HostTLS names root's certificate files on the host.
func (e *Etcd) HostTLS() TLSFiles { return e.pki.hostTLS(RootUser) }

// Client returns a client of the cluster for the test process, as root,
// closed when the test ends.
func (e *Etcd) Client(t testing.TB) *clientv3.Client {
	t.Helper()
	tlsCfg, err := e.tlsConfig()
	if err != nil {
		t.Fatal(err)
	}
	c, err := clientv3.New(clientv3.Config{
		Endpoints:   e.Endpoints(),
		TLS:         tlsCfg,
		DialTimeout: 5 * time.Second,
		DialOptions: []grpc.DialOption{grpc.WithContextDialer(func(ctx context.Context, addr string) (net.Conn, error) {
			return e.nw.DialContext(ctx, "tcp", addr)
		})},
		Logger: zap.NewNop(),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func (e *Etcd) tlsConfig() (*tls.Config, error) {
	files := e.HostTLS()
	cert, err := tls.LoadX509KeyPair(files.Cert, files.Key)
	if err != nil {
		return nil, fmt.Errorf("etcd client: %w", err)
	}
	ca, err := os.ReadFile(files.CA)
	if err != nil {
		return nil, fmt.Errorf("etcd client: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca) {
		return nil, errors.New("etcd client: no certificate in CA file")
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, RootCAs: pool, MinVersion: tls.VersionTLS12}, nil
}

// Etcdctl runs etcdctl in s against every member, as root: e.g.
// Etcdctl(ctx, s, "endpoint", "health").
func (e *Etcd) Etcdctl(ctx context.Context, s *Server, args ...string) (Result, error) {
	return e.EtcdctlAs(ctx, s, RootUser, args...)
}

// EtcdctlAs runs etcdctl in s against every member with user's client
// certificate (UserTLS), which must be in s. A request etcd refuses fails
// with "etcdserver: permission denied" in the Result's Stderr.
func (e *Etcd) EtcdctlAs(ctx context.Context, s *Server, user string, args ...string) (Result, error) {
	tlsFiles := e.UserTLS(user)
	argv := []string{"env", "ETCDCTL_API=3", "etcdctl",
		"--endpoints=" + strings.Join(e.Endpoints(), ","),
		"--cacert=" + tlsFiles.CA, "--cert=" + tlsFiles.Cert, "--key=" + tlsFiles.Key}
	return s.Exec(ctx, append(argv, args...)...)
}

// endpointStatus is one row of `etcdctl endpoint status -w json`.
type endpointStatus struct {
	Endpoint string
	Status   struct {
		Header struct {
			MemberID uint64 `json:"member_id"`
		} `json:"header"`
		Leader uint64 `json:"leader"`
	}
}

// MoveLeader makes the member of server i etcd's raft leader (etcdctl
// move-leader, run in server i) and returns once every member names it:
// for the scenarios whose fault must also take the raft leader away.
func (e *Etcd) MoveLeader(ctx context.Context, i int) error {
	s := e.servers[i]
	want := fmt.Sprintf("https://%s:2379", ServerIP(i))
	for {
		res, err := e.Etcdctl(ctx, s, "endpoint", "status", "-w", "json")
		if err != nil {
			return fmt.Errorf("etcd raft leader to boot-%d: %w", i, err)
		}
		var rows []endpointStatus
		if err := json.Unmarshal([]byte(res.Stdout), &rows); err != nil {
			return fmt.Errorf("etcd raft leader to boot-%d: endpoint status: %w", i, err)
		}
		var target uint64
		agreed := len(rows) == len(e.servers)
		for _, r := range rows {
			if r.Endpoint == want {
				target = r.Status.Header.MemberID
			}
			agreed = agreed && r.Status.Leader == rows[0].Status.Leader
		}
		if target == 0 {
			return fmt.Errorf("etcd raft leader to boot-%d: no status from %s", i, want)
		}
		if agreed && rows[0].Status.Leader == target {
			return nil
		}
		if _, err := e.Etcdctl(ctx, s, "move-leader", strconv.FormatUint(target, 16)); err != nil {
			return fmt.Errorf("etcd raft leader to boot-%d: %w", i, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}
