package etcdtest

import (
	"net"
	"testing"

	"github.com/necoship/neco/pkg/config"
)

// FreeAddr is a loopback host:port that was free a moment ago. The race
// between closing the probe and the server binding is acceptable in tests.
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// EmbeddedLocal is a single-server site's local config with a data
// directory of its own and free ports, for a test that starts the
// embedded member (etcdmember.StartMember) with its certificate authority.
func EmbeddedLocal(t testing.TB) config.Local {
	t.Helper()
	l := config.DefaultLocal()
	l.DataDir = t.TempDir()
	l.Etcd.EmbeddedClientURL = "https://" + FreeAddr(t)
	l.Etcd.EmbeddedPeerURL = "https://" + FreeAddr(t)
	return l
}
