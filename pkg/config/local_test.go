package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/necoship/neco/pkg/model"
)

// withLocal returns DefaultLocal changed by f, so that each case states only
// what it changes.
func withLocal(f func(*Local)) Local {
	l := DefaultLocal()
	f(&l)
	return l
}

func TestParseLocal(t *testing.T) {
	const full = `# a boot server of a three-member cluster
lrn: 3
etcd:
  endpoints:
    - https://10.0.0.1:2379
    - http://boot-1.example:2379
  prefix: /site1/
  tls-ca-file: /etc/neco/ca.crt
  tls-cert-file: /etc/neco/client.crt
  tls-key-file: /etc/neco/client.key
log-level: debug
metrics-listen: ":9100"
data-dir: /srv/neco
`
	tests := []struct {
		name    string
		in      string
		want    Local
		wantErr string // the whole message, exactly
		errSub  string // or a part of it, for messages owned by the YAML library
	}{
		{name: "empty file gives defaults", in: "", want: DefaultLocal()},
		{name: "comments only", in: "# nothing yet\n", want: DefaultLocal()},
		{name: "null document", in: "~\n", want: DefaultLocal()},
		{name: "null etcd keeps default prefix", in: "etcd:\n", want: DefaultLocal()},
		{name: "full file", in: full, want: Local{
			LRN: 3,
			Etcd: EtcdConfig{
				Endpoints:   []string{"https://10.0.0.1:2379", "http://boot-1.example:2379"},
				Prefix:      "/site1/",
				TLSCAFile:   "/etc/neco/ca.crt",
				TLSCertFile: "/etc/neco/client.crt",
				TLSKeyFile:  "/etc/neco/client.key",
				// Defaults: kept though unused with endpoints set.
				EmbeddedClientURL: "https://127.0.0.1:2379",
				EmbeddedPeerURL:   "https://127.0.0.1:2380",
			},
			LogLevel:      "debug",
			MetricsListen: ":9100",
			DataDir:       "/srv/neco",
			Worker:        DefaultWorker(),
		}},
		{name: "worker section", in: "worker:\n  containerd-address: /run/k.sock\n  plain-http-registries: [127.0.0.1:5000]\n" +
			"  registry-mirrors: {quay.io: mirror.local}\n  prepare-timeout: 1h\n  root: /tmp/r\n",
			want: withLocal(func(l *Local) {
				l.Worker.ContainerdAddress = "/run/k.sock"
				l.Worker.PlainHTTPRegistries = []string{"127.0.0.1:5000"}
				l.Worker.RegistryMirrors = map[string]string{"quay.io": "mirror.local"}
				l.Worker.PrepareTimeout = time.Hour
				l.Worker.Root = "/tmp/r"
			})},
		{name: "metrics endpoints disabled", in: "metrics-listen: \"\"\nworker: {metrics-listen: \"\"}\n",
			want: withLocal(func(l *Local) { l.MetricsListen, l.Worker.MetricsListen = "", "" })},
		{name: "unknown worker field", in: "worker:\n  containerd: /x\n", errSub: "field containerd not found"},
		{name: "partial etcd keeps default prefix",
			in: "lrn: 2\netcd:\n  endpoints: [\"http://127.0.0.1:2379\"]\n",
			want: withLocal(func(l *Local) {
				l.LRN = 2
				l.Etcd.Endpoints = []string{"http://127.0.0.1:2379"}
			})},
		{name: "uppercase scheme", in: "etcd: {endpoints: [\"HTTPS://h:1\"]}\n",
			want: withLocal(func(l *Local) { l.Etcd.Endpoints = []string{"HTTPS://h:1"} })},
		{name: "prefix slash only", in: "etcd: {prefix: /}\n",
			want: withLocal(func(l *Local) { l.Etcd.Prefix = "/" })},
		{name: "CA without client cert", in: "etcd: {tls-ca-file: /ca.crt}\n",
			want: withLocal(func(l *Local) { l.Etcd.TLSCAFile = "/ca.crt" })},
		{name: "unknown top-level field", in: "endpoints: [http://a:1]\n",
			errSub: "field endpoints not found"},
		{name: "unknown etcd field", in: "etcd:\n  endpoint: http://a:1\n",
			errSub: "field endpoint not found"},
		{name: "wrong type", in: "lrn: three\n", wantErr: "parse local config: lrn: want an integer, got three (line 1)"},
		{name: "not a mapping", in: "- lrn\n", wantErr: "parse local config: the file: want a mapping of keys, got a list (line 1)"},
		{name: "two documents", in: "lrn: 1\n---\nlrn: 2\n",
			wantErr: "parse local config: more than one YAML document"},
		{name: "negative lrn", in: "lrn: -1\n", wantErr: "lrn: must be 0 to 65535, got -1"},
		{name: "endpoint does not parse", in: "etcd: {endpoints: [\"http://a:1\", \"http://[::1\"]}\n",
			wantErr: `etcd.endpoints[1]: parse "http://[::1": missing ']' in host`},
		{name: "endpoint wrong scheme", in: "etcd: {endpoints: [\"ftp://a:1\"]}\n",
			wantErr: `etcd.endpoints[0]: scheme "ftp" not allowed; want http or https`},
		{name: "endpoint without scheme", in: "etcd: {endpoints: [\"boot-1:2379\"]}\n",
			wantErr: `etcd.endpoints[0]: not an absolute URL; want http or https`},
		{name: "endpoint IP without scheme", in: "etcd: {endpoints: [\"10.0.0.1:2379\"]}\n",
			wantErr: `etcd.endpoints[0]: parse "10.0.0.1:2379": first path segment in URL cannot contain colon`},
		{name: "endpoint without host", in: "etcd: {endpoints: [\"http:///x\"]}\n",
			wantErr: `etcd.endpoints[0]: missing host`},
		{name: "endpoint empty", in: "etcd: {endpoints: [\"\"]}\n",
			wantErr: `etcd.endpoints[0]: not an absolute URL; want http or https`},
		{name: "prefix without leading slash", in: "etcd: {prefix: neco/}\n",
			wantErr: `etcd.prefix: must start and end with "/", got "neco/"`},
		{name: "prefix without trailing slash", in: "etcd: {prefix: /neco}\n",
			wantErr: `etcd.prefix: must start and end with "/", got "/neco"`},
		{name: "prefix empty", in: "etcd: {prefix: \"\"}\n",
			wantErr: `etcd.prefix: must start and end with "/", got ""`},
		{name: "cert without key", in: "etcd: {tls-cert-file: /c.crt}\n",
			wantErr: "etcd.tls-key-file: required when etcd.tls-cert-file is set"},
		{name: "key without cert", in: "etcd: {tls-key-file: /c.key}\n",
			wantErr: "etcd.tls-cert-file: required when etcd.tls-key-file is set"},
		{name: "lrn too large", in: "lrn: 9223372036854775807\n",
			wantErr: "lrn: must be 0 to 65535, got 9223372036854775807"},
		{name: "updater cert without key", in: "etcd: {updater-tls-cert-file: /u.crt}\n",
			wantErr: "etcd.updater-tls-key-file: required when etcd.updater-tls-cert-file is set"},
		{name: "updater key without cert", in: "etcd: {updater-tls-key-file: /u.key}\n",
			wantErr: "etcd.updater-tls-cert-file: required when etcd.updater-tls-key-file is set"},
		{name: "log level", in: "log-level: verbose\n",
			wantErr: `log-level: unknown level "verbose"; want debug, info, warn or error`},
		{name: "log level case", in: "log-level: INFO\n",
			wantErr: `log-level: unknown level "INFO"; want debug, info, warn or error`},
		{name: "metrics-listen without port", in: "metrics-listen: localhost\n",
			wantErr: "metrics-listen: address localhost: missing port in address"},
		{name: "metrics-listen port 0", in: "metrics-listen: \":0\"\n",
			wantErr: `metrics-listen: port "0" not in 1..65535`},
		{name: "metrics-listen port too big", in: "metrics-listen: \"127.0.0.1:65536\"\n",
			wantErr: `metrics-listen: port "65536" not in 1..65535`},
		{name: "metrics-listen named port", in: "metrics-listen: \"127.0.0.1:http\"\n",
			wantErr: `metrics-listen: port "http" not in 1..65535`},
		{name: "worker metrics-listen without port", in: "worker:\n  metrics-listen: localhost\n",
			wantErr: "worker.metrics-listen: address localhost: missing port in address"},
		{name: "metrics-listen signed port", in: "metrics-listen: \"127.0.0.1:+80\"\n",
			wantErr: `metrics-listen: port "+80" not in 1..65535`},
		{name: "embedded urls and webhook listener",
			in: "etcd: {embedded-client-url: \"https://localhost:12379\", embedded-peer-url: \"https://[::1]:12380/\"}\nwebhook-listen: \":8443\"\n",
			want: withLocal(func(l *Local) {
				l.Etcd.EmbeddedClientURL = "https://localhost:12379"
				l.Etcd.EmbeddedPeerURL = "https://[::1]:12380/"
				l.WebhookListen = ":8443"
			})},
		{name: "embedded url off loopback", in: "etcd: {embedded-client-url: \"https://10.0.0.1:2379\"}\n",
			wantErr: `etcd.embedded-client-url: must be https://127.0.0.1:PORT (loopback: the embedded etcd is this server's alone), got "https://10.0.0.1:2379"`},
		{name: "embedded url plain http", in: "etcd: {embedded-peer-url: \"http://127.0.0.1:2380\"}\n",
			wantErr: `etcd.embedded-peer-url: got "http://127.0.0.1:2380": the embedded etcd serves only TLS with client certificates now: write https:// (or remove the line for the default)`},
		{name: "embedded url without port", in: "etcd: {embedded-client-url: \"https://127.0.0.1\"}\n",
			wantErr: `etcd.embedded-client-url: must be https://HOST:PORT with no path, got "https://127.0.0.1"`},
		{name: "embedded url with path", in: "etcd: {embedded-client-url: \"https://127.0.0.1:1/x\"}\n",
			wantErr: `etcd.embedded-client-url: must be https://HOST:PORT with no path, got "https://127.0.0.1:1/x"`},
		{name: "embedded urls equal", in: "etcd: {embedded-peer-url: \"https://127.0.0.1:2379\"}\n",
			wantErr: `etcd.embedded-peer-url: must differ from etcd.embedded-client-url`},
		{name: "webhook-listen without port", in: "webhook-listen: localhost\n",
			wantErr: "webhook-listen: address localhost: missing port in address"},
		{name: "data-dir relative", in: "data-dir: var/lib/neco\n",
			wantErr: `data-dir: must be an absolute path, got "var/lib/neco"`},
		{name: "every error at once", in: `lrn: -2
etcd:
  endpoints: ["ftp://a", "http://ok:2379", "http://"]
  prefix: x
  tls-key-file: /k
log-level: loud
metrics-listen: nope
data-dir: ""
`, wantErr: strings.Join([]string{
			"lrn: must be 0 to 65535, got -2",
			`etcd.endpoints[0]: scheme "ftp" not allowed; want http or https`,
			"etcd.endpoints[2]: missing host",
			`etcd.prefix: must start and end with "/", got "x"`,
			"etcd.tls-cert-file: required when etcd.tls-key-file is set",
			`log-level: unknown level "loud"; want debug, info, warn or error`,
			"metrics-listen: address nope: missing port in address",
			`data-dir: must be an absolute path, got ""`,
		}, "\n")},
		{name: "too large", in: "# " + strings.Repeat("x", MaxLocalSize) + "\n",
			wantErr: "config: input too large: more than 1048576 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseLocal(strings.NewReader(tt.in))
			checkErr(t, err, tt.wantErr, tt.errSub)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseLocal() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// checkErr fails t unless err matches wantErr exactly or contains sub; with
// both empty, err must be nil.
func checkErr(t *testing.T, err error, wantErr, sub string) {
	t.Helper()
	switch {
	case wantErr == "" && sub == "":
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
	case err == nil:
		t.Fatalf("no error; want %q", wantErr+sub)
	case wantErr != "" && err.Error() != wantErr:
		t.Fatalf("error mismatch:\n got: %s\nwant: %s", err, wantErr)
	case sub != "" && !strings.Contains(err.Error(), sub):
		t.Fatalf("error %q does not contain %q", err, sub)
	}
}

func TestLocalValidate(t *testing.T) {
	tests := []struct {
		name       string
		in         Local
		wantFields []string
	}{
		{name: "defaults", in: DefaultLocal()},
		{name: "zero value", in: Local{},
			wantFields: []string{"etcd.prefix", "etcd.embedded-client-url", "etcd.embedded-peer-url",
				"log-level", "data-dir", "worker.containerd-address", "worker.containerd-namespace",
				"worker.snapshotter", "worker.prepare-timeout", "worker.self-update-unit"}},
		{name: "worker fields", in: withLocal(func(l *Local) {
			l.Worker.ContainerdAddress = "run/c.sock"
			l.Worker.PlainHTTPRegistries = []string{"ok:5000", "http://x"}
			l.Worker.RegistryMirrors = map[string]string{"quay.io": "mirror/x"}
			l.Worker.PrepareTimeout = time.Second
			l.Worker.Root = "rel"
			l.Worker.SelfUpdateUnit = "x.scope"
		}), wantFields: []string{"worker.containerd-address", "worker.plain-http-registries[1]", "worker.registry-mirrors[quay.io]",
			"worker.prepare-timeout", "worker.root", "worker.self-update-unit"}},
		{name: "endpoints indexed", in: withLocal(func(l *Local) {
			l.Etcd.Endpoints = []string{"x", "https://ok", "y"}
		}), wantFields: []string{"etcd.endpoints[0]", "etcd.endpoints[2]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, e := range unjoin(tt.in.Validate()) {
				var fe *model.FieldError
				if !errors.As(e, &fe) {
					t.Fatalf("%v is not a *FieldError", e)
				}
				got = append(got, fe.Field)
			}
			if diff := cmp.Diff(tt.wantFields, got); diff != "" {
				t.Errorf("Validate() fields mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// unjoin splits an errors.Join result into its parts.
func unjoin(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func TestLoadLocal(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.yml", "lrn: 1\n")
	bad := write("bad.yml", "lrn: -1\n")
	tests := []struct {
		name     string
		path     string
		want     Local
		wantErr  string
		notExist bool
	}{
		{name: "valid", path: good, want: withLocal(func(l *Local) { l.LRN = 1 })},
		{name: "invalid names the path", path: bad, wantErr: bad + ": lrn: must be 0 to 65535, got -1"},
		{name: "missing", path: filepath.Join(dir, "none.yml"), notExist: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := LoadLocal(tt.path)
			if tt.notExist {
				if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), tt.path) {
					t.Fatalf("LoadLocal() error = %v; want not-exist naming the path", err)
				}
				return
			}
			checkErr(t, err, tt.wantErr, "")
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("LoadLocal() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestForUpdater: neco-updater dials with its own certificate when the file
// names one, and with the worker's otherwise.
func TestForUpdater(t *testing.T) {
	l := DefaultLocal()
	l.Etcd.TLSCertFile, l.Etcd.TLSKeyFile = "/w.crt", "/w.key"
	if got := l.ForUpdater().Etcd; got.TLSCertFile != "/w.crt" || got.TLSKeyFile != "/w.key" {
		t.Errorf("without updater files: %s %s, want the worker's", got.TLSCertFile, got.TLSKeyFile)
	}
	l.Etcd.UpdaterTLSCertFile, l.Etcd.UpdaterTLSKeyFile = "/u.crt", "/u.key"
	if got := l.ForUpdater().Etcd; got.TLSCertFile != "/u.crt" || got.TLSKeyFile != "/u.key" {
		t.Errorf("with updater files: %s %s, want /u.crt /u.key", got.TLSCertFile, got.TLSKeyFile)
	}
	if l.Etcd.TLSCertFile != "/w.crt" {
		t.Error("ForUpdater changed the config it was called on")
	}
}
