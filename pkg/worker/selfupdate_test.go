package worker

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/necoship/neco/pkg/deb/debtest"
	"github.com/necoship/neco/pkg/mirror"
	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/op"
)

// A plan that needs a newer neco makes the worker install the neco package
// of the plan (through the self-update installer) and exit; the new
// process resumes the same step and finishes without reinstalling the
// site package.
func TestSelfUpdateThenResume(t *testing.T) {
	s := newSite(t)
	necoDeb := debtest.Build(t, t.TempDir(), debtest.Spec{Name: "neco", Version: "2.0"})
	if _, err := mirror.Publish(s.mirrorDir, mirror.PublishRequest{Repo: "example/neco", Tag: "v2.0", Files: []string{necoDeb}}); err != nil {
		t.Fatal(err)
	}
	const v = "2026.11.23-1"
	s.publish(release{version: v, plan: fmt.Sprintf(`version: %s
neco: ">= 2.0"
debs:
  - {name: neco, repo: example/neco, tag: v2.0, asset: neco_2.0_amd64.deb, sha256: %s}
services:
  - {unit: app.service, strategy: anytime}
`, v, fileSHA256(t, necoDeb))})
	s.join(0)
	n := s.newNode(0) // neco 1.0
	stop := s.run(n)
	s.runUpdater()
	select {
	case <-n.exited:
	case <-time.After(30 * time.Second):
		t.Fatal("the worker did not exit to update itself")
	}
	if err := stop(); !errors.Is(err, op.ErrRestart) {
		t.Fatalf("old worker ended with %v, want op.ErrRestart", err)
	}
	if v, ok, err := (Packages{Installer: n.installer(t, nil)}).Installed(t.Context(), "neco"); err != nil || !ok || v.String() != "2.0" {
		t.Fatalf("neco installed %t at %s (%v), want 2.0", ok, v, err)
	}

	n.necoVersion = model.MustParseVersion("2.0") // systemd started the new binary
	s.run(n)
	s.waitEnd(model.ResultCompleted, 30*time.Second)
	if got := n.dpkgInstalls.Load(); got != 1 {
		t.Errorf("the site package was installed %d times, want once", got)
	}
	if got := n.selfInstalls.Load(); got != 1 {
		t.Errorf("neco was installed %d times, want once", got)
	}
	if got := len(s.events.of("restart", "app.service")); got != 1 {
		t.Errorf("app.service restarted %d times, want once", got)
	}
}

func fileSHA256(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
