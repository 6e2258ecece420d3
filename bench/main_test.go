package bench

import (
	"os"
	"testing"

	"github.com/necoship/neco/pkg/etcdtest"
)

// srv is the etcd of the benchmarks: embedded in the test binary, on
// loopback; each run has a prefix of its own (newCluster).
var srv *etcdtest.Server

func TestMain(m *testing.M) { os.Exit(etcdtest.Main(m, &srv)) }
