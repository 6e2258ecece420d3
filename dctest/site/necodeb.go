//go:build dctest

package site

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/necoship/neco/pkg/daemon/daemontest"
	"github.com/necoship/neco/pkg/mirror"
)

// NecoRepo is the repository the mirror serves neco's own releases from,
// for a plan's neco entry.
const NecoRepo = "necoship/neco"

// NecoDeb is a build of the neco package published in the mirror, which a
// plan can require (Release.Neco) to make every worker update itself.
type NecoDeb struct {
	Version string
	Tag     string
	Asset   string
	SHA256  string
}

// necoCommands are the binaries of the package, rebuilt with a new version.
var necoCommands = []string{"neco", "neco-updater", "neco-worker", "neco-etcd"}

// PublishNeco builds the neco package of base (the .deb under test) again
// at version: the same files, its four binaries rebuilt from repo with
// that version linked in as debian/rules links it, so that `neco version`
// says which build runs. It publishes the package in the mirror as
// NecoRepo's release v<version>.
func (s *Site) PublishNeco(ctx context.Context, repo, base, version string) (NecoDeb, error) {
	dir, err := os.MkdirTemp(s.dir, "neco-"+version+"-")
	if err != nil {
		return NecoDeb{}, err
	}
	root := filepath.Join(dir, "root")
	if err := run(ctx, "", "dpkg-deb", "-R", base, root); err != nil {
		return NecoDeb{}, err
	}
	if err := run(ctx, repo, "go", daemontest.BuildArgs(filepath.Join(root, "usr/bin"), version, necoCommands...)...); err != nil {
		return NecoDeb{}, err
	}
	if err := setControlVersion(filepath.Join(root, "DEBIAN/control"), version); err != nil {
		return NecoDeb{}, err
	}
	if err := writeMD5Sums(ctx, root); err != nil {
		return NecoDeb{}, err
	}
	d := NecoDeb{Version: version, Tag: "v" + version, Asset: "neco_" + version + "_amd64.deb"}
	deb := filepath.Join(dir, d.Asset)
	if err := run(ctx, "", "dpkg-deb", "--root-owner-group", "--build", root, deb); err != nil {
		return NecoDeb{}, err
	}
	data, err := os.ReadFile(deb)
	if err != nil {
		return NecoDeb{}, err
	}
	sum := sha256.Sum256(data)
	d.SHA256 = hex.EncodeToString(sum[:])
	if _, err := mirror.Publish(s.MirrorDir, mirror.PublishRequest{Repo: NecoRepo, Tag: d.Tag, Files: []string{deb}}); err != nil {
		return NecoDeb{}, fmt.Errorf("site: publish neco %s: %w", version, err)
	}
	s.logf("site: published neco %s (%s)", version, d.SHA256[:12])
	return d, nil
}

// setControlVersion rewrites the Version field of a DEBIAN/control file.
func setControlVersion(path, version string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	re := regexp.MustCompile(`(?m)^Version: .*$`)
	if !re.Match(data) {
		return fmt.Errorf("%s: no Version field", path)
	}
	return os.WriteFile(path, re.ReplaceAll(data, []byte("Version: "+version)), 0o644)
}

// writeMD5Sums writes DEBIAN/md5sums for the files under root, as
// dh_md5sums does: dpkg --verify reads it.
func writeMD5Sums(ctx context.Context, root string) error {
	var lines []string
	err := filepath.WalkDir(root, func(path string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() || !e.Type().IsRegular() {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if strings.HasPrefix(rel, "DEBIAN/") || strings.HasPrefix(rel, "etc/") {
			return nil // control files, and conffiles (listed in conffiles instead)
		}
		out, err := exec.CommandContext(ctx, "md5sum", path).Output()
		if err != nil {
			return fmt.Errorf("md5sum %s: %w", path, err)
		}
		lines = append(lines, strings.Fields(string(out))[0]+"  "+rel)
		return nil
	})
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(root, "DEBIAN/md5sums"), []byte(strings.Join(lines, "\n")+"\n"), 0o644)
}

// run runs argv in dir (the current one when empty) and returns its
// output in the error when it fails.
func run(ctx context.Context, dir, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("site: %s %s: %w\n%s", name, strings.Join(args, " "), err, out)
	}
	return nil
}
