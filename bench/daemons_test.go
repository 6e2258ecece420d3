package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/necoship/neco/pkg/images/imagestest"
)

// writeLocalConfig writes the /etc/neco/config.yml of boot server 0, read
// by both daemons: etcd at the test's server under prefix, both metrics
// endpoints on (as by default, on free ports), the worker's dpkg root at
// root. containerd is never dialled: the release has no images.
func writeLocalConfig(b *testing.B, prefix, root string) string {
	b.Helper()
	dir := b.TempDir()
	cfg := fmt.Sprintf(`lrn: 0
etcd:
  endpoints: [%s]
  prefix: %s
log-level: info
metrics-listen: %s
data-dir: %s
worker:
  containerd-address: %s
  metrics-listen: %s
  root: %s
`, srv.Endpoint, prefix, imagestest.FreeAddr(b), filepath.Join(dir, "data"),
		filepath.Join(dir, "containerd.sock"), imagestest.FreeAddr(b), root)
	path := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		b.Fatal(err)
	}
	return path
}
