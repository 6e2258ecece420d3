package config

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"
)

// Worker is the local configuration of neco-worker (section worker: of
// /etc/neco/config.yml). Every field has a default that fits a boot server.
type Worker struct {
	// ContainerdAddress is containerd's gRPC socket.
	ContainerdAddress string `yaml:"containerd-address"`
	// ContainerdNamespace holds the plan's images. Not kubelet's "k8s.io"
	// unless kubelet runs them: kubelet garbage-collects what it does not
	// use in its namespace.
	ContainerdNamespace string `yaml:"containerd-namespace"`
	// Snapshotter unpacks the images.
	Snapshotter string `yaml:"snapshotter"`
	// PlainHTTPRegistries are registry hosts reached without TLS (a local
	// mirror); every other host is HTTPS only.
	PlainHTTPRegistries []string `yaml:"plain-http-registries"`
	// RegistryMirrors maps a registry host to a mirror tried first.
	RegistryMirrors map[string]string `yaml:"registry-mirrors"`
	// SystemdBus is the D-Bus address of systemd; empty: the system bus.
	SystemdBus string `yaml:"systemd-bus"`
	// PrepareTimeout bounds step 0 (downloads, dpkg, image pulls).
	PrepareTimeout time.Duration `yaml:"prepare-timeout"`
	// Root installs packages with dpkg --root and reads the plan under it;
	// empty (the default) is the real system. For tests and demos only.
	Root string `yaml:"root"`
	// MetricsListen is the host:port of neco-worker's Prometheus endpoint;
	// empty disables it. It differs from neco-updater's metrics-listen:
	// both run on every boot server.
	MetricsListen string `yaml:"metrics-listen"`
	// SelfUpdateUnit names the transient unit dpkg runs in when the worker
	// updates neco itself.
	SelfUpdateUnit string `yaml:"self-update-unit"`
}

// DefaultWorker returns the worker defaults.
func DefaultWorker() Worker {
	return Worker{
		ContainerdAddress:   "/run/containerd/containerd.sock",
		ContainerdNamespace: "neco",
		Snapshotter:         "overlayfs",
		PrepareTimeout:      30 * time.Minute,
		MetricsListen:       "127.0.0.1:10281",
		SelfUpdateUnit:      "neco-self-update.service",
	}
}

func (w Worker) validate(errs *fieldErrors) {
	if !filepath.IsAbs(w.ContainerdAddress) {
		errs.add("worker.containerd-address", fmt.Errorf("must be an absolute socket path, got %q", w.ContainerdAddress))
	}
	if w.ContainerdNamespace == "" || strings.ContainsAny(w.ContainerdNamespace, "/ ") {
		errs.add("worker.containerd-namespace", fmt.Errorf("must be a name, got %q", w.ContainerdNamespace))
	}
	if w.Snapshotter == "" {
		errs.add("worker.snapshotter", fmt.Errorf("must not be empty"))
	}
	for i, h := range w.PlainHTTPRegistries {
		errs.add(fmt.Sprintf("worker.plain-http-registries[%d]", i), checkRegistryHost(h))
	}
	for from, to := range w.RegistryMirrors {
		errs.add(fmt.Sprintf("worker.registry-mirrors[%s]", from), checkRegistryHost(from))
		errs.add(fmt.Sprintf("worker.registry-mirrors[%s]", from), checkRegistryHost(to))
	}
	if w.PrepareTimeout < time.Minute {
		errs.add("worker.prepare-timeout", fmt.Errorf("must be at least 1m, got %s", w.PrepareTimeout))
	}
	if w.MetricsListen != "" {
		errs.add("worker.metrics-listen", checkListen(w.MetricsListen))
	}
	if w.Root != "" && !filepath.IsAbs(w.Root) {
		errs.add("worker.root", fmt.Errorf("must be an absolute path or empty, got %q", w.Root))
	}
	if !strings.HasSuffix(w.SelfUpdateUnit, ".service") || strings.ContainsAny(w.SelfUpdateUnit, "/ ") {
		errs.add("worker.self-update-unit", fmt.Errorf("must be a NAME.service unit name, got %q", w.SelfUpdateUnit))
	}
}

// checkRegistryHost accepts "host" or "host:port", as image references
// name registries.
func checkRegistryHost(h string) error {
	if h == "" || strings.ContainsAny(h, "/ @") {
		return fmt.Errorf("want a registry host or host:port, got %q", h)
	}
	return nil
}
