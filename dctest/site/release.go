//go:build dctest

package site

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/necoship/neco/pkg/deb/debtest"
	"github.com/necoship/neco/pkg/images/imagestest"
	"github.com/necoship/neco/pkg/mirror"
)

// PackageName is the site package.
const PackageName = "dct-site"

// The site's units, in plan order, and its image and once-step.
const (
	RollingUnit = "dct-rolling.service"
	StopAllUnit = "dct-stop-all.service"
	AnytimeUnit = "dct-anytime.service"
	ImageName   = "app"
	OnceName    = "record-version"
	// OnceLog is the file (inside a server) the once-step appends the
	// version to, on whichever server ran it.
	OnceLog = "/var/lib/dct-site/once.log"
	// startedDir holds UNIT.version inside a server: the site version the
	// unit's running process started with.
	startedDir = "/run/dct-site"
)

// Units are the site's units in plan order.
var Units = []string{RollingUnit, StopAllUnit, AnytimeUnit}

// Release is one release of the site.
type Release struct {
	Version    string
	Prerelease bool
	// CorruptChecksums publishes a SHA256SUMS that does not match the
	// package.
	CorruptChecksums bool
	// ImageBytes is the size of random data in the image (default 1 KiB).
	ImageBytes int
	// ImageRegistry is the registry host:port the plan pulls from:
	// default the registry; the slow one (StartSlowRegistry) to make the
	// pull take a while. The image is pushed to the registry either way.
	ImageRegistry string
}

// Tag is the release's tag.
func (r Release) Tag() string { return "release-" + r.Version }

// Publish pushes the release's image, builds its site package and adds it
// to the mirror: the updaters see it at their next check.
func (s *Site) Publish(ctx context.Context, r Release) error {
	if r.ImageBytes == 0 {
		r.ImageBytes = 1 << 10
	}
	if r.ImageRegistry == "" {
		r.ImageRegistry = s.RegistryAddr
	}
	ref, err := s.pushImage(ctx, r)
	if err != nil {
		return err
	}
	dir := filepath.Join(s.dir, "packages")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	files := map[string]string{
		"usr/share/neco/plan.yaml":              planYAML(r.Version, ref),
		"usr/share/" + PackageName + "/version": r.Version + "\n",
		"lib/systemd/system/" + RollingUnit:     unitFile(RollingUnit),
		"lib/systemd/system/" + StopAllUnit:     unitFile(StopAllUnit),
		"lib/systemd/system/" + AnytimeUnit:     unitFile(AnytimeUnit),
	}
	path, err := debtest.Write(dir, debtest.Spec{Name: PackageName, Version: r.Version, Files: files})
	if err != nil {
		return err
	}
	req := mirror.PublishRequest{Repo: Repo, Tag: r.Tag(), Prerelease: r.Prerelease, Files: []string{path}}
	if r.CorruptChecksums {
		bad := filepath.Join(dir, "corrupt-"+r.Version, mirror.ChecksumsName)
		if err := os.MkdirAll(filepath.Dir(bad), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(bad, fmt.Appendf(nil, "%064x  %s\n", 1, filepath.Base(path)), 0o644); err != nil {
			return err
		}
		req.Files = append(req.Files, bad)
	}
	if _, err := mirror.Publish(s.MirrorDir, req); err != nil {
		return fmt.Errorf("site: publish %s: %w", r.Tag(), err)
	}
	s.logf("site: published %s (prerelease %v, corrupt checksums %v, image %s)", r.Tag(), r.Prerelease, r.CorruptChecksums, ref)
	return nil
}

// pushImage pushes the release's image to the registry, through the
// run's network, and returns the pinned ref the plan names.
func (s *Site) pushImage(ctx context.Context, r Release) (string, error) {
	payload := make([]byte, r.ImageBytes)
	rand.Read(payload)
	files := map[string]string{"app/version": r.Version + "\n", "app/payload": string(payload)}
	transport := &http.Transport{DialContext: s.network.DialContext}
	defer transport.CloseIdleConnections()
	repoTag := "dct/" + ImageName + ":" + r.Version
	digest, err := imagestest.Push(s.RegistryAddr+"/"+repoTag, files, remote.WithTransport(transport), remote.WithContext(ctx))
	if err != nil {
		return "", fmt.Errorf("site: %w", err)
	}
	return r.ImageRegistry + "/" + repoTag + "@" + digest, nil
}

// planYAML is the release's plan: every strategy, an image and a
// once-step (design.md section 3).
func planYAML(version, imageRef string) string {
	return fmt.Sprintf(`version: %s
images:
  - {name: %s, ref: "%s"}
services:
  - unit: %s
    strategy: rolling
    health: {exec: [/bin/systemctl, is-active, --quiet, %s], timeout: 30s}
  - {unit: %s, strategy: stop-all, images: [%s]}
  - {unit: %s, strategy: anytime}
once:
  - name: %s
    exec: [/bin/sh, -c, "mkdir -p %s && echo {{.Version}} >> %s"]
`, version, ImageName, imageRef, RollingUnit, RollingUnit, StopAllUnit, ImageName, AnytimeUnit,
		OnceName, filepath.Dir(OnceLog), OnceLog)
}

// unitFile is a unit that records the site version it started with, then
// sleeps: what runs is visible without any program of its own.
func unitFile(unit string) string {
	name := strings.TrimSuffix(unit, ".service")
	return fmt.Sprintf(`[Unit]
Description=dctest site program %s

[Service]
ExecStart=/bin/sh -c 'mkdir -p %s && cat /usr/share/%s/version > %s/%%n.version && exec sleep infinity'
`, name, startedDir, PackageName, startedDir)
}
