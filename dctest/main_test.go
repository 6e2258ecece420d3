//go:build dctest

package dctest

import (
	"os"
	"testing"

	"github.com/necoship/neco/dctest/harness"
	"github.com/necoship/neco/dctest/site"
)

func TestMain(m *testing.M) {
	site.RunSlowProxyIfAsked() // this binary is also the slow registry of TestWorkerKilledDuringPull
	os.Exit(harness.Main(m))
}
