package images

import (
	"context"
	"testing"
	"time"

	"github.com/necoship/neco/pkg/images/imagestest"
	"go.uber.org/zap/zaptest"
)

// testEnv is a containerd and a docker-registry of one test (see
// imagestest), and what it takes to connect a Puller to them.
type testEnv struct {
	*imagestest.Env
}

// newEnv starts containerd and docker-registry; both stop when the test
// ends. It skips only when one of the binaries is missing.
func newEnv(t *testing.T) *testEnv {
	t.Helper()
	return &testEnv{imagestest.Start(t)}
}

// puller connects a Puller to the env's containerd, closed when t ends.
// overlayfs works under the temp dir here (ext4), so tests keep the
// production default.
func (e *testEnv) puller(t *testing.T, o Options) *Puller {
	t.Helper()
	o.Address = e.Socket
	if o.Logger == nil {
		o.Logger = zaptest.NewLogger(t)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, err := New(ctx, o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}
