//go:build dctest

package harness

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// rootfsVersion is part of the cache key: bump it when prepareRootfs
// changes what it writes, so that old caches are not used.
const rootfsVersion = "1"

const suite = "bookworm"

// rootfsPackages is what every boot server has besides the apt variant's
// essentials: systemd with dbus as PID 1, containerd and runc for images,
// Debian's etcd for the members, and what neco's .deb depends on (systemd;
// containerd is recommended). procps and iputils-ping are for tests and
// people in a shell.
var rootfsPackages = []string{
	"systemd", "dbus", "systemd-sysv", "containerd", "runc", "etcd-server",
	"etcd-client", "iproute2", "iptables", "ca-certificates", "curl",
	"procps", "iputils-ping",
}

// maskedUnits never run in a boot server: Debian's own etcd member (the
// harness runs its own as dct-etcd.service), and timers that would run apt
// or dpkg behind a test's back.
var maskedUnits = []string{
	"etcd.service", "apt-daily.timer", "apt-daily-upgrade.timer",
	"dpkg-db-backup.timer", "fstrim.timer",
}

func rootfsKey() string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%s\n%s\n", rootfsVersion, suite,
		strings.Join(rootfsPackages, ","), strings.Join(maskedUnits, ","))
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// Rootfs returns the cached Debian 12 root filesystem, building it first
// when it is missing (about a minute and a half, 360 MB). It is built in a
// temporary directory and renamed into place when complete, so a crashed
// build never leaves something that looks complete; concurrent callers wait
// for one build. The result is the lower layer of every server's overlay
// and must stay read-only.
func Rootfs(ctx context.Context, log Logf) (string, error) {
	if err := os.MkdirAll(CacheDir(), 0o755); err != nil {
		return "", fmt.Errorf("rootfs: %w", err)
	}
	dir := filepath.Join(CacheDir(), "rootfs-"+rootfsKey())
	if _, err := os.Stat(dir); err == nil {
		return dir, nil
	}
	unlock, err := lockWait(ctx, dir+".lock")
	if err != nil {
		return "", fmt.Errorf("rootfs: %w", err)
	}
	defer unlock()
	if _, err := os.Stat(dir); err == nil {
		return dir, nil // another process built it while we waited
	}
	if err := removeStaleBuilds(dir); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(CacheDir(), filepath.Base(dir)+".tmp-")
	if err != nil {
		return "", fmt.Errorf("rootfs: %w", err)
	}
	defer func() {
		if err := unmountUnder(tmp); err == nil {
			os.RemoveAll(tmp)
		}
	}()
	start := time.Now()
	log("building rootfs %s with mmdebstrap (log: %s.log)", dir, dir)
	root := filepath.Join(tmp, "root")
	if err := mmdebstrap(ctx, root, dir+".log"); err != nil {
		return "", err
	}
	if err := prepareRootfs(root); err != nil {
		return "", fmt.Errorf("rootfs: prepare: %w", err)
	}
	if err := os.Rename(root, dir); err != nil {
		return "", fmt.Errorf("rootfs: %w", err)
	}
	log("rootfs built in %v", time.Since(start).Round(time.Second))
	return dir, nil
}

func mmdebstrap(ctx context.Context, root, logPath string) error {
	logf, err := os.Create(logPath)
	if err != nil {
		return fmt.Errorf("rootfs: %w", err)
	}
	defer logf.Close()
	mirror := aptMirror()
	cmd := command(ctx, []string{"mmdebstrap", "--variant=apt",
		"--include=" + strings.Join(rootfsPackages, ","),
		suite, root, fmt.Sprintf("deb %s %s main", mirror, suite)})
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%w)", context.Cause(ctx), err)
		}
		return fmt.Errorf("rootfs: mmdebstrap from %s: %w; last lines of %s:\n%s", mirror, err, logPath, tail(logPath, 20))
	}
	return nil
}

// aptMirror is $NECO_DCTEST_MIRROR, else the host's Debian mirror (the
// first URIs of debian.sources or deb line of sources.list), else
// deb.debian.org.
func aptMirror() string {
	if m := os.Getenv("NECO_DCTEST_MIRROR"); m != "" {
		return m
	}
	for _, src := range []struct{ path, prefix string }{
		{"/etc/apt/sources.list.d/debian.sources", "URIs:"},
		{"/etc/apt/sources.list", "deb "},
	} {
		f, err := os.Open(src.path)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), src.prefix)
			if fields := strings.Fields(rest); ok && len(fields) > 0 {
				url := fields[0]
				if strings.HasPrefix(url, "[") && len(fields) > 1 { // deb [opts] URL
					url = fields[1]
				}
				if !strings.Contains(url, "security") {
					f.Close()
					return url
				}
			}
		}
		f.Close()
	}
	return "http://deb.debian.org/debian"
}

// prepareRootfs makes the tree bootable as many containers at once: an
// empty machine-id (systemd makes a fresh one per boot server, else all
// share one), no hostname (nspawn sets it), and the masked units.
func prepareRootfs(root string) error {
	if err := os.WriteFile(filepath.Join(root, "etc/machine-id"), nil, 0o444); err != nil {
		return err
	}
	dbusID := filepath.Join(root, "var/lib/dbus/machine-id")
	if err := os.Remove(dbusID); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := os.Symlink("/etc/machine-id", dbusID); err != nil {
		return err
	}
	if err := os.Remove(filepath.Join(root, "etc/hostname")); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	sys := filepath.Join(root, "etc/systemd/system")
	// The enablement links of Debian's etcd.service: its alias etcd2 and
	// its multi-user want would still pull it in by the other name.
	for _, l := range []string{"etcd2.service", "multi-user.target.wants/etcd.service"} {
		if err := os.Remove(filepath.Join(sys, l)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	for _, u := range maskedUnits {
		p := filepath.Join(sys, u)
		os.Remove(p)
		if err := os.Symlink("/dev/null", p); err != nil {
			return err
		}
	}
	return nil
}

// removeStaleBuilds removes the temporary directories of builds that
// crashed (the caller holds the build lock, so none is in progress),
// unmounting what mmdebstrap left mounted in them first.
func removeStaleBuilds(dir string) error {
	stale, _ := filepath.Glob(dir + ".tmp-*")
	for _, s := range stale {
		if err := unmountUnder(s); err != nil {
			return fmt.Errorf("rootfs: stale build: %w", err)
		}
		if err := removeAllUnmounted(s); err != nil {
			return fmt.Errorf("rootfs: stale build: %w", err)
		}
	}
	return nil
}

// lockWait takes an exclusive flock on path, waiting for it as long as ctx
// allows.
func lockWait(ctx context.Context, path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return func() { f.Close() }, nil
		}
		if !errors.Is(err, unix.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("waiting for %s: %w", path, context.Cause(ctx))
		case <-time.After(time.Second):
		}
	}
}
