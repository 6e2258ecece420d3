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
	"time"

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
	// RollingSoak is the rolling unit's soak: how long each server's
	// restart runs before the next server's turn.
	RollingSoak time.Duration
	// Neco, when set, is a neco package the plan requires (neco: ">=
	// its version", and its debs entry): every worker older than it
	// updates itself first.
	Neco *NecoDeb
	// CorruptChecksums publishes a SHA256SUMS that does not match the
	// package.
	CorruptChecksums bool
	// ImageBytes is the size of random data in the image (default 1 KiB).
	ImageBytes int
	// ImageRegistry is the registry host:port the plan pulls from:
	// default the registry; the slow one (StartSlowRegistry) to make the
	// pull take a while. The image is pushed to the registry either way.
	ImageRegistry string
	// UnhealthyOn is the hostname of a server (boot-0) where the release's
	// rolling unit runs but says it is unhealthy, as a daemon whose health
	// endpoint fails does: its health check then fails there, and passes
	// elsewhere (see unhealthyMarker).
	UnhealthyOn string
	// SignedBy signs the release's SHA256SUMS (SHA256SUMS.sig beside
	// it); nil publishes no signature, as a release made without the
	// signing key would be.
	SignedBy *Signer
	// HoldRollingOn is the hostname of a server where the release's
	// rolling unit, when started, waits until the test lets it go on
	// (ProceedRolling): that server's rolling step stays in progress, and
	// the servers after it in LRN order wait for their turn, for as long
	// as the test needs to break something (see holdProceed).
	HoldRollingOn string
	// HoldPostinstOn is the hostname of a server where the site package's
	// postinst, run by the worker's dpkg, waits until the test lets it
	// go on (ProceedPostinst): dpkg holds the package half-configured
	// there for as long as the test needs (see PostinstHeld).
	HoldPostinstOn string
	// RestartInPostinst gives the site package the postinst
	// dh_installsystemd writes for a unit restarted after upgrade:
	// deb-systemd-invoke restart of the rolling unit, on every server.
	RestartInPostinst bool
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
		"usr/share/neco/plan.yaml":              planYAML(r, ref),
		"usr/share/" + PackageName + "/version": r.Version + "\n",
		"lib/systemd/system/" + RollingUnit:     unitFile(RollingUnit, rollingFaults(r)),
		"lib/systemd/system/" + StopAllUnit:     unitFile(StopAllUnit, ""),
		"lib/systemd/system/" + AnytimeUnit:     unitFile(AnytimeUnit, ""),
	}
	spec := debtest.Spec{Name: PackageName, Version: r.Version, Files: files}
	if script := postinst(r); script != "" {
		spec.Scripts = map[string]string{"postinst": script}
	}
	path, err := debtest.Write(dir, spec)
	if err != nil {
		return err
	}
	req := mirror.PublishRequest{Repo: Repo, Tag: r.Tag(), Prerelease: r.Prerelease, Files: []string{path}}
	verify, err := verificationFiles(filepath.Join(dir, "verify-"+r.Version), r, path)
	if err != nil {
		return fmt.Errorf("site: publish %s: %w", r.Tag(), err)
	}
	req.Files = append(req.Files, verify...)
	if _, err := mirror.Publish(s.MirrorDir, req); err != nil {
		return fmt.Errorf("site: publish %s: %w", r.Tag(), err)
	}
	signer := ""
	if r.SignedBy != nil {
		signer = r.SignedBy.Name
	}
	s.logf("site: published %s (prerelease %v, corrupt checksums %v, signed by %q, unhealthy on %q, rolling held on %q, postinst held on %q, restart in postinst %v, image %s)",
		r.Tag(), r.Prerelease, r.CorruptChecksums, signer, r.UnhealthyOn, r.HoldRollingOn, r.HoldPostinstOn, r.RestartInPostinst, ref)
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

// unhealthyMarker is the file inside a server by which the rolling unit of
// a release with UnhealthyOn says it is unhealthy.
const unhealthyMarker = startedDir + "/" + RollingUnit + ".unhealthy"

// unhealthyTimeout bounds the health check of a release with UnhealthyOn:
// it never passes on that server, and the worker tries the step three
// times (10 s apart), so the plan's usual 30 s would only slow the test.
const unhealthyTimeout = "5s"

// planYAML is the release's plan: every strategy, an image and a
// once-step (design.md section 3). The rolling unit's health check is
// systemctl is-active; with UnhealthyOn it also asks the unit, which is
// active everywhere (its restart succeeds) but unhealthy on that server.
func planYAML(r Release, imageRef string) string {
	health := fmt.Sprintf("{exec: [/bin/systemctl, is-active, --quiet, %s], timeout: 30s}", RollingUnit)
	soak := ""
	if r.RollingSoak > 0 {
		soak = fmt.Sprintf("\n    soak: %s", r.RollingSoak)
	}
	if r.UnhealthyOn != "" {
		health = fmt.Sprintf(`{exec: [/bin/sh, -c, "systemctl is-active --quiet %s && test ! -e %s"], timeout: %s}`,
			RollingUnit, unhealthyMarker, unhealthyTimeout)
	}
	neco := ""
	if n := r.Neco; n != nil {
		neco = fmt.Sprintf("neco: \">= %s\"\ndebs:\n  - {name: neco, repo: %s, tag: %s, asset: %s, sha256: %s}\n",
			n.Version, NecoRepo, n.Tag, n.Asset, n.SHA256)
	}
	return fmt.Sprintf(`version: %s
%simages:
  - {name: %s, ref: "%s"}
services:
  - unit: %s
    strategy: rolling%s
    health: %s
  - {unit: %s, strategy: stop-all, images: [%s]}
  - {unit: %s, strategy: anytime}
once:
  - name: %s
    exec: [/bin/sh, -c, "mkdir -p %s && echo {{.Version}} >> %s"]
`, r.Version, neco, ImageName, imageRef, RollingUnit, soak, health, StopAllUnit, ImageName, AnytimeUnit,
		OnceName, filepath.Dir(OnceLog), OnceLog)
}

// holdProceed is the file inside a server that lets the rolling unit of
// a release with HoldRollingOn finish starting there.
const holdProceed = startedDir + "/" + RollingUnit + ".proceed"

// holdTimeout bounds how long the held unit waits (systemd's default
// start timeout, 90 s, could end a hold across a slow reboot); it stays
// under the plan's restart timeout (5m), so the step fails on systemd's
// timeout, not neco's, if a test never lets it go on.
const holdTimeout = "4min"

// rollingFaults are the rolling unit's extra [Service] lines for r. With
// UnhealthyOn, an ExecStartPre (done before the unit counts as started, so
// no health check can run before it) marks the unit unhealthy on the
// server of that hostname (%H) and healthy elsewhere. With HoldRollingOn,
// another waits on that server until holdProceed exists: the unit is
// "activating" meanwhile, and so the worker's restart is in progress.
func rollingFaults(r Release) string {
	var b strings.Builder
	if r.UnhealthyOn != "" {
		fmt.Fprintf(&b, "ExecStartPre=/bin/sh -c 'mkdir -p %s && if [ %%H = %s ]; then touch %s; else rm -f %s; fi'\n",
			startedDir, r.UnhealthyOn, unhealthyMarker, unhealthyMarker)
	}
	if r.HoldRollingOn != "" {
		fmt.Fprintf(&b, "ExecStartPre=/bin/sh -c 'if [ %%H = %s ]; then while [ ! -e %s ]; do sleep 0.2; done; fi'\nTimeoutStartSec=%s\n",
			r.HoldRollingOn, holdProceed, holdTimeout)
	}
	return b.String()
}

// unitFile is a unit that records the site version it started with, then
// sleeps: what runs is visible without any program of its own. extra are
// more [Service] lines (rollingFaults).
func unitFile(unit, extra string) string {
	name := strings.TrimSuffix(unit, ".service")
	return fmt.Sprintf(`[Unit]
Description=dctest site program %s

[Service]
%sExecStart=/bin/sh -c 'mkdir -p %s && cat /usr/share/%s/version > %s/%%n.version && exec sleep infinity'
`, name, extra, startedDir, PackageName, startedDir)
}
