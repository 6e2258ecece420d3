package images

import (
	"fmt"
	"net"
	"strings"
	"time"

	"go.uber.org/zap"
)

// Defaults of Options.
const (
	DefaultAddress     = "/run/containerd/containerd.sock"
	DefaultNamespace   = "neco"
	DefaultSnapshotter = "overlayfs"
	DefaultParallel    = 4
	DefaultDialTimeout = 10 * time.Second
)

// Options configures a Puller. Zero values take the defaults shown.
type Options struct {
	// Address is containerd's gRPC socket. Default DefaultAddress.
	Address string
	// Namespace is the containerd namespace the images are stored in;
	// New creates it when missing. Default "neco", not kubelet's "k8s.io":
	// kubelet garbage-collects images it does not use from its namespace,
	// and a boot server's units are not kubelet's. A site whose images are
	// run by kubelet sets "k8s.io".
	Namespace string
	// Snapshotter unpacks the images. Default "overlayfs"; "native" for a
	// containerd root on a file system overlayfs cannot stack on.
	Snapshotter string
	// PlainHTTP lists registry hosts ("host" or "host:port") reached over
	// plain HTTP, such as a local mirror. Every other host is HTTPS only.
	PlainHTTP []string
	// Mirrors maps a registry host to a mirror host that is tried first
	// (air-gapped sites). The origin is still tried when the mirror fails
	// or lacks the image; the pinned digest makes either answer safe.
	Mirrors map[string]string
	// Parallel bounds how many images are pulled at once. Default 4.
	Parallel int
	// DialTimeout bounds connecting to containerd. Default 10s.
	DialTimeout time.Duration
	// Logger receives one line per image pulled or found present; nil
	// logs nothing.
	Logger *zap.Logger
	// Access is the credentials and proxy of the first pulls; SetAccess
	// replaces it.
	Access Access

	// dial replaces net.Dialer for registries and proxies: tests give
	// loopback registries names that are not loopback, as the proxy
	// sees real hosts.
	dial dialFunc
}

func (o Options) withDefaults() Options {
	if o.Address == "" {
		o.Address = DefaultAddress
	}
	if o.Namespace == "" {
		o.Namespace = DefaultNamespace
	}
	if o.Snapshotter == "" {
		o.Snapshotter = DefaultSnapshotter
	}
	if o.Parallel == 0 {
		o.Parallel = DefaultParallel
	}
	if o.DialTimeout == 0 {
		o.DialTimeout = DefaultDialTimeout
	}
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	return o
}

// validate checks the options after withDefaults; each error names the
// field that is wrong.
func (o Options) validate() error {
	if o.Parallel < 0 {
		return fmt.Errorf("images: parallel: %d is negative", o.Parallel)
	}
	if o.DialTimeout < 0 {
		return fmt.Errorf("images: dial-timeout: %v is negative", o.DialTimeout)
	}
	for i, h := range o.PlainHTTP {
		if err := checkHost(h); err != nil {
			return fmt.Errorf("images: plain-http[%d]: %w", i, err)
		}
	}
	for from, to := range o.Mirrors {
		if err := checkHost(from); err != nil {
			return fmt.Errorf("images: mirrors: key %q: %w", from, err)
		}
		if err := checkHost(to); err != nil {
			return fmt.Errorf("images: mirrors[%s]: %w", from, err)
		}
	}
	return o.Access.validate(o.PlainHTTP)
}

// checkHost accepts "host" and "host:port", the way a ref spells its
// registry; a URL here would silently never match any ref.
func checkHost(h string) error {
	if h == "" {
		return fmt.Errorf("empty host")
	}
	if strings.ContainsAny(h, "/@?# ") {
		return fmt.Errorf("%q is not host or host:port (no scheme, no path)", h)
	}
	if _, port, err := net.SplitHostPort(h); err == nil && port == "" {
		return fmt.Errorf("%q has an empty port", h)
	}
	return nil
}
