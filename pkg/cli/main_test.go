package cli

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/necoship/neco/pkg/etcdtest"
	"github.com/necoship/neco/pkg/storage"
)

var srv *etcdtest.Server

func TestMain(m *testing.M) { os.Exit(etcdtest.Main(m, &srv)) }

// testNow is the clock of cluster commands in tests.
var testNow = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

// cluster is a test's own slice of the real etcd, reached the way the
// cluster commands reach etcd.
type cluster struct {
	t     *testing.T
	store *storage.Storage
	// env overrides Getenv; stdin is the command's standard input.
	env   map[string]string
	stdin string
}

func newCluster(t *testing.T) *cluster {
	t.Helper()
	return &cluster{t: t, store: storage.New(srv.Client(t), etcdtest.Prefix(t))}
}

// run executes neco with args against the test's keys and returns stdout,
// stderr and the exit code.
func (c *cluster) run(args ...string) (string, string, int) {
	c.t.Helper()
	var out, errb syncBuffer
	code := Execute(context.Background(), c.envFor(&out, &errb), args)
	return out.String(), errb.String(), code
}

func (c *cluster) envFor(out, errb *syncBuffer) Env {
	return Env{
		Stdin: strings.NewReader(c.stdin), Stdout: out, Stderr: errb,
		Getenv: func(k string) string { return c.env[k] },
		OpenStore: func(context.Context, string) (*storage.Storage, func(), error) {
			return c.store, func() {}, nil
		},
		Now:      func() time.Time { return testNow },
		Hostname: func() (string, error) { return "boot-test", nil },
	}
}
