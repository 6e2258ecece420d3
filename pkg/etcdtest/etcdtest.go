// Package etcdtest owns the real etcd that tests run against: one embedded
// single-member server per test binary (started from TestMain), listening
// on loopback, with a key prefix per test so tests never see each other's
// keys. Only _test.go files import it.
package etcdtest

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
)

// Server is an embedded etcd listening on loopback.
type Server struct {
	etcd *embed.Etcd
	dir  string
	// Endpoint is the client URL, e.g. http://127.0.0.1:40123.
	Endpoint string
}

// Start runs a fresh single-member etcd in a temporary directory.
func Start() (*Server, error) {
	dir, err := os.MkdirTemp("", "neco-etcdtest-")
	if err != nil {
		return nil, err
	}
	client, peer, err := freeURLs()
	if err != nil {
		return nil, err
	}
	cfg := embed.NewConfig()
	cfg.Name = "test"
	cfg.Dir = dir
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{client}, []url.URL{client}
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{peer}, []url.URL{peer}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	// etcd logs expected errors when it shuts down; tests want quiet.
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())
	// bcrypt's minimum cost (bcrypt.MinCost): the tests' users have test
	// passwords, and at the default cost each user added and each password
	// login costs a tenth of a second, many times that under -race on a
	// busy machine, enough to run a test's setup past its deadline.
	cfg.BcryptCost = 4
	// No JSON gateway: the tests speak gRPC, and the gateway's websocket
	// proxy reads os.Stderr from a server goroutine, which testing.M.Run
	// replaces under go test -json (make test): a data race that is not
	// the tests'.
	cfg.EnableGRPCGateway = false
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start etcd: %w", err)
	}
	select {
	case <-e.Server.ReadyNotify():
	case <-time.After(30 * time.Second):
		e.Close()
		os.RemoveAll(dir)
		return nil, errors.New("etcd not ready after 30s")
	}
	return &Server{etcd: e, dir: dir, Endpoint: client.String()}, nil
}

// freeURLs picks two free loopback ports. The tiny race between closing
// the probe listener and etcd binding is acceptable in tests.
func freeURLs() (client, peer url.URL, err error) {
	var ports [2]int
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return url.URL{}, url.URL{}, err
		}
		defer l.Close()
		ports[i] = l.Addr().(*net.TCPAddr).Port
	}
	return url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", ports[0])},
		url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", ports[1])}, nil
}

// Stop shuts the server down and removes its data.
func (s *Server) Stop() {
	s.etcd.Close()
	os.RemoveAll(s.dir)
}

// Client returns a client of the server, closed when the test ends.
func (s *Server) Client(t testing.TB) *clientv3.Client {
	t.Helper()
	c, err := clientv3.New(clientv3.Config{
		Endpoints:   []string{s.Endpoint},
		DialTimeout: 5 * time.Second,
		Logger:      zap.NewNop(),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

var prefixSeq atomic.Int64

// Prefix returns a key prefix no other test uses, ending in "/".
func Prefix(t testing.TB) string {
	name := strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())
	return fmt.Sprintf("/t/%s/%d/", name, prefixSeq.Add(1))
}

// Main runs the package's tests against one server stored in *srv:
//
//	var srv *etcdtest.Server
//	func TestMain(m *testing.M) { os.Exit(etcdtest.Main(m, &srv)) }
func Main(m *testing.M, srv **Server) int {
	s, err := Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "etcdtest:", err)
		return 1
	}
	*srv = s
	defer s.Stop()
	return m.Run()
}
