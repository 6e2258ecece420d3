package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/necoship/neco/pkg/model"
)

// DefaultLocalPath is where the daemons and the CLI look for the local file.
const DefaultLocalPath = "/etc/neco/config.yml"

// MaxLocalSize bounds the local file. A real one is a few hundred bytes; the
// bound keeps a wrong path (a disk image, /dev/zero) from exhausting memory.
const MaxLocalSize = 1 << 20

// Local is the per-boot-server configuration from /etc/neco/config.yml.
type Local struct {
	// LRN is the logical rack number of this boot server.
	LRN  int        `yaml:"lrn"`
	Etcd EtcdConfig `yaml:"etcd"`
	// LogLevel is one of debug, info, warn or error.
	LogLevel string `yaml:"log-level"`
	// MetricsListen is the host:port of neco-updater's Prometheus
	// endpoint; empty disables it (neco-worker has its own, under worker:).
	MetricsListen string `yaml:"metrics-listen"`
	// DataDir holds local state, including the embedded etcd when
	// Etcd.Endpoints is empty.
	DataDir string `yaml:"data-dir"`
	// WebhookListen is the host:port where neco-updater receives GitHub
	// release webhooks; empty disables the endpoint (polling only).
	WebhookListen string `yaml:"webhook-listen"`
	// Worker configures neco-worker.
	Worker Worker `yaml:"worker"`
}

// EtcdConfig says how to reach the cluster's etcd.
type EtcdConfig struct {
	// Endpoints empty means an embedded single-member etcd (single-server
	// sites, the demo).
	Endpoints []string `yaml:"endpoints"`
	// Prefix is prepended to every neco key; it starts and ends with "/".
	Prefix    string `yaml:"prefix"`
	TLSCAFile string `yaml:"tls-ca-file"`
	// TLSCertFile and TLSKeyFile are the client certificate of neco-worker
	// and, unless a command says otherwise, of the neco CLI. With etcd auth
	// on, its common name is the etcd user: neco-worker-<lrn>.
	TLSCertFile string `yaml:"tls-cert-file"`
	TLSKeyFile  string `yaml:"tls-key-file"`
	// UpdaterTLSCertFile and UpdaterTLSKeyFile are neco-updater's own
	// certificate (common name neco-updater-<lrn>), whose role reads the
	// secrets the worker's cannot. Empty means TLSCertFile and TLSKeyFile.
	UpdaterTLSCertFile string `yaml:"updater-tls-cert-file"`
	UpdaterTLSKeyFile  string `yaml:"updater-tls-key-file"`
	// EmbeddedClientURL and EmbeddedPeerURL are where neco-updater's
	// embedded etcd listens when Endpoints is empty; the CLI and the worker
	// then dial EmbeddedClientURL. https on loopback only: the member takes
	// only clients and peers with a certificate of its own authority in
	// data-dir/etcd-pki, which root alone can read.
	EmbeddedClientURL string `yaml:"embedded-client-url"`
	EmbeddedPeerURL   string `yaml:"embedded-peer-url"`
}

// Embedded reports whether neco-updater runs the cluster's etcd itself.
func (e EtcdConfig) Embedded() bool { return len(e.Endpoints) == 0 }

// ClientEndpoints are the URLs clients dial: Endpoints, or the embedded
// member's client URL.
func (e EtcdConfig) ClientEndpoints() []string {
	if e.Embedded() {
		return []string{e.EmbeddedClientURL}
	}
	return e.Endpoints
}

// DefaultLocal returns the configuration of a boot server whose file is empty.
func DefaultLocal() Local {
	return Local{
		Etcd: EtcdConfig{
			Prefix:            "/neco/",
			EmbeddedClientURL: "https://127.0.0.1:2379",
			EmbeddedPeerURL:   "https://127.0.0.1:2380",
		},
		LogLevel:      "info",
		MetricsListen: "127.0.0.1:10280",
		DataDir:       "/var/lib/neco",
		Worker:        DefaultWorker(),
	}
}

// LoadLocal reads and validates the local file at path.
func LoadLocal(path string) (Local, error) {
	f, err := os.Open(path)
	if err != nil {
		return Local{}, err // *PathError already names the path
	}
	defer f.Close()
	l, err := ParseLocal(f)
	if err != nil {
		return Local{}, fmt.Errorf("%s: %w", path, err)
	}
	return l, nil
}

// ParseLocal decodes r over DefaultLocal and validates the result. Fields the
// file omits keep their defaults; a field neco does not know is an error, so a
// typo ("endpoint:") is not silently ignored.
func ParseLocal(r io.Reader) (Local, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxLocalSize+1))
	if err != nil {
		return Local{}, fmt.Errorf("read config: %w", err)
	}
	if len(data) > MaxLocalSize {
		return Local{}, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, MaxLocalSize)
	}
	l := DefaultLocal()
	if err := decodeStrict(data, &l); err != nil {
		return Local{}, err
	}
	if err := l.Validate(); err != nil {
		return Local{}, err
	}
	return l, nil
}

// decodeStrict decodes exactly one YAML document, or none, into out.
func decodeStrict(data []byte, out any) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(out); err != nil {
		if errors.Is(err, io.EOF) {
			return nil // empty file: defaults
		}
		return fmt.Errorf("parse local config: %w", explainYAML(data, err))
	}
	// A second document would be ignored by a plain Decode; an operator who
	// wrote one meant something by it.
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
		return nil
	case err != nil:
		return fmt.Errorf("parse local config: %w", err)
	}
	return errors.New("parse local config: more than one YAML document")
}

// Validate reports every invalid field of l, one line per field.
func (l Local) Validate() error {
	var errs fieldErrors
	if l.LRN < 0 || l.LRN > model.MaxLRN {
		errs.add("lrn", fmt.Errorf("must be 0 to %d, got %d", model.MaxLRN, l.LRN))
	}
	l.Etcd.validate(&errs)
	errs.add("log-level", checkLogLevel(l.LogLevel))
	if l.MetricsListen != "" {
		errs.add("metrics-listen", checkListen(l.MetricsListen))
	}
	if l.WebhookListen != "" {
		errs.add("webhook-listen", checkListen(l.WebhookListen))
	}
	if !filepath.IsAbs(l.DataDir) {
		errs.add("data-dir", fmt.Errorf("must be an absolute path, got %q", l.DataDir))
	}
	l.Worker.validate(&errs)
	return errs.join()
}

func (e EtcdConfig) validate(errs *fieldErrors) {
	for i, ep := range e.Endpoints {
		_, err := checkURL(ep, urlRule{})
		errs.add(fmt.Sprintf("etcd.endpoints[%d]", i), err)
	}
	if !strings.HasPrefix(e.Prefix, "/") || !strings.HasSuffix(e.Prefix, "/") {
		errs.add("etcd.prefix", fmt.Errorf("must start and end with \"/\", got %q", e.Prefix))
	}
	clientErr, peerErr := checkEmbeddedURL(e.EmbeddedClientURL), checkEmbeddedURL(e.EmbeddedPeerURL)
	if clientErr == nil && peerErr == nil && e.EmbeddedClientURL == e.EmbeddedPeerURL {
		peerErr = errors.New("must differ from etcd.embedded-client-url")
	}
	errs.add("etcd.embedded-client-url", clientErr)
	errs.add("etcd.embedded-peer-url", peerErr)
	// A certificate without its key (or the reverse) cannot authenticate;
	// failing here beats a TLS handshake error at the first etcd call.
	switch {
	case e.TLSCertFile != "" && e.TLSKeyFile == "":
		errs.add("etcd.tls-key-file", errors.New("required when etcd.tls-cert-file is set"))
	case e.TLSCertFile == "" && e.TLSKeyFile != "":
		errs.add("etcd.tls-cert-file", errors.New("required when etcd.tls-key-file is set"))
	}
	switch {
	case e.UpdaterTLSCertFile != "" && e.UpdaterTLSKeyFile == "":
		errs.add("etcd.updater-tls-key-file", errors.New("required when etcd.updater-tls-cert-file is set"))
	case e.UpdaterTLSCertFile == "" && e.UpdaterTLSKeyFile != "":
		errs.add("etcd.updater-tls-cert-file", errors.New("required when etcd.updater-tls-key-file is set"))
	}
}

// ForUpdater is l as neco-updater dials etcd: with its own client
// certificate when the file names one.
func (l Local) ForUpdater() Local {
	if l.Etcd.UpdaterTLSCertFile != "" {
		l.Etcd.TLSCertFile, l.Etcd.TLSKeyFile = l.Etcd.UpdaterTLSCertFile, l.Etcd.UpdaterTLSKeyFile
	}
	return l
}

// checkEmbeddedURL accepts https://LOOPBACK:PORT and nothing else: the
// member's certificate names only loopback, and only this machine's root
// holds a client certificate for it. A plain http:// URL, the default
// before the member required certificates, is refused with the fix.
func checkEmbeddedURL(raw string) error {
	u, err := checkURL(raw, urlRule{base: true})
	if err != nil {
		return err
	}
	if u.Scheme == "http" {
		return fmt.Errorf("got %q: the embedded etcd serves only TLS with client certificates now: write https:// (or remove the line for the default)", raw)
	}
	if u.Scheme != "https" || !model.IsLoopbackHost(u.Hostname()) {
		return fmt.Errorf("must be https://127.0.0.1:PORT (loopback: the embedded etcd is this server's alone), got %q", raw)
	}
	if u.Port() == "" || (u.Path != "" && u.Path != "/") {
		return fmt.Errorf("must be https://HOST:PORT with no path, got %q", raw)
	}
	return nil
}

func checkLogLevel(s string) error {
	switch s {
	case "debug", "info", "warn", "error":
		return nil
	}
	return fmt.Errorf("unknown level %q; want debug, info, warn or error", s)
}

func checkListen(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	// ParseUint, not Atoi: a sign ("+80") is not a port.
	n, err := strconv.ParseUint(port, 10, 16)
	if err != nil || n == 0 {
		return fmt.Errorf("port %q not in 1..65535", port)
	}
	return nil
}
