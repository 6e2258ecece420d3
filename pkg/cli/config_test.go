package cli

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"maps"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/necoship/neco/pkg/config"
)

// testSigningKeys is a real armored OpenPGP public key (an Ed25519 key
// made once for these tests; its private half was never kept): config set
// parses signing-keys as keys.
var testSigningKeys = func() string {
	b, err := os.ReadFile("testdata/signing-key.asc")
	if err != nil {
		panic(err)
	}
	return strings.TrimSpace(string(b))
}()

// testSigningKeyLines is how many lines config set and list report for it.
var testSigningKeyLines = strings.Count(testSigningKeys, "\n") + 1

// configSetCase is one `neco config set`: its exact stdout, the start of
// its stderr and the raw config/<key> afterwards (nil: absent).
type configSetCase struct {
	name       string
	args       []string
	stdin      string
	env        map[string]string
	wantOut    string
	wantErr    string
	key        string
	wantStored *string
}

var configSetCases = []configSetCase{
	{name: "plain value", args: []string{"env", "staging"}, key: "env",
		wantOut: "env = staging\n", wantStored: str("staging")},
	{name: "invalid value names the key", args: []string{"env", "prod"}, key: "env",
		wantErr: "neco: env: unknown env \"prod\"; want production, staging, dev or test\n"},
	{name: "unknown key lists the valid ones", args: []string{"nope", "x"}, key: "nope",
		wantErr: "neco: config: unknown key \"nope\"; valid keys: env, site, github-repo, "},
	{name: "secret as argument", args: []string{"github-token", "ghp_secret1"}, key: "github-token",
		wantErr: "neco: github-token is secret: pass it on standard input (or NECO_GITHUB_TOKEN), not as an argument\n"},
	{name: "other secret as argument", args: []string{"slack", "https://hooks.slack.com/services/T/B/X"}, key: "slack",
		wantErr: "neco: slack is secret: pass it on standard input, not as an argument\n"},
	{name: "secret from stdin, CRLF trimmed", args: []string{"github-token"}, stdin: "  ghp_secret2\r\n", key: "github-token",
		wantOut: "github-token set\n", wantStored: str("ghp_secret2")},
	{name: "token from the environment", args: []string{"github-token"}, stdin: "ghp_ignored",
		env: map[string]string{"NECO_GITHUB_TOKEN": "ghp_secret3"}, key: "github-token",
		wantOut: "github-token set\n", wantStored: str("ghp_secret3")},
	{name: "dash reads stdin even with the environment set", args: []string{"github-token", "-"}, stdin: "ghp_secret4\n",
		env: map[string]string{"NECO_GITHUB_TOKEN": "ghp_secret3"}, key: "github-token",
		wantOut: "github-token set\n", wantStored: str("ghp_secret4")},
	{name: "multi-line keys keep their lines", args: []string{"signing-keys", "-"}, stdin: "\n" + testSigningKeys + "\n\n",
		key: "signing-keys", wantOut: fmt.Sprintf("signing-keys set (%d lines)\n", testSigningKeyLines), wantStored: str(testSigningKeys)},
	{name: "other keys refuse a second line", args: []string{"package-asset", "-"}, stdin: "a_{{version}}.deb\nb\n",
		key: "package-asset", wantErr: "neco: package-asset: the value has 2 lines; want one\n"},
	{name: "non-secret needs a value", args: []string{"env"}, key: "env",
		wantErr: "neco: env needs a VALUE, or \"-\" to read it from standard input\n"},
	{name: "empty stdin", args: []string{"webhook"}, stdin: " \n", key: "webhook",
		wantErr: "neco: webhook: empty value; to unset it, run \"neco config unset webhook\"\n"},
	{name: "empty argument", args: []string{"env", ""}, key: "env",
		wantErr: "neco: env: empty value; to unset it, run \"neco config unset env\"\n"},
	{name: "oversized stdin", args: []string{"signing-keys", "-"}, stdin: strings.Repeat("x", maxConfigValue+1),
		key: "signing-keys", wantErr: "neco: signing-keys: standard input holds more than 1 MiB; no config value is that large\n"},
	{name: "proxy password masked in the confirmation", args: []string{"proxy", "http://u:pw@proxy.example:3128"},
		key: "proxy", wantOut: "proxy = http://u:xxxxx@proxy.example:3128\n", wantStored: str("http://u:pw@proxy.example:3128")},
}

func str(s string) *string { return &s }

// localConfig writes a local config file whose etcd client certificate
// names etcd user cn (none when cn is ""), and returns the environment
// that points neco at it: config set|unset record the etcd user from it.
func localConfig(t *testing.T, cn string) map[string]string {
	t.Helper()
	dir := t.TempDir()
	yml := "etcd:\n  endpoints: [\"https://etcd.example:2379\"]\n"
	if cn != "" {
		cert, key := filepath.Join(dir, "client.crt"), filepath.Join(dir, "client.key")
		writeClientCert(t, cn, cert, key)
		yml += "  tls-cert-file: " + cert + "\n  tls-key-file: " + key + "\n"
	}
	path := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(path, []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}
	return map[string]string{"NECO_CONFIG": path, "USER": "alice"}
}

// writeClientCert writes a self-signed certificate of common name cn and
// its key, PEM-encoded.
func writeClientCert(t *testing.T, cn, certPath, keyPath string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: testNow.Add(-time.Hour), NotAfter: testNow.Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	for path, block := range map[string]*pem.Block{certPath: {Type: "CERTIFICATE", Bytes: der},
		keyPath: {Type: "EC PRIVATE KEY", Bytes: keyDER}} {
		if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// storedKey is where storage keeps config key name.
func storedKey(name string) string {
	if config.IsSecret(name) {
		return "secret/" + name
	}
	return "config/" + name
}

func TestConfigSet(t *testing.T) {
	for _, tt := range configSetCases {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t)
			c.stdin, c.env = tt.stdin, localConfig(t, "")
			maps.Copy(c.env, tt.env)
			out, errOut, code := c.run(append([]string{"config", "set"}, tt.args...)...)
			wantCode := 0
			if tt.wantErr != "" {
				wantCode = 1
			}
			if code != wantCode || out != tt.wantOut || !strings.HasPrefix(errOut, tt.wantErr) || (tt.wantErr == "" && errOut != "") {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d, stdout %q, stderr %q",
					code, out, errOut, wantCode, tt.wantOut, tt.wantErr)
			}
			for _, secret := range []string{"ghp_secret", "hooks.slack.com", ":pw@"} {
				if strings.Contains(out+errOut, secret) {
					t.Errorf("output shows the secret %q: %q %q", secret, out, errOut)
				}
			}
			got, ok := seed(c).get(storedKey(tt.key))
			var gotp *string
			if ok {
				gotp = &got
			}
			if diff := cmp.Diff(tt.wantStored, gotp); diff != "" {
				t.Errorf("stored at %s (-want +got):\n%s", storedKey(tt.key), diff)
			}
			if _, ok := seed(c).get("config/" + tt.key); ok && config.IsSecret(tt.key) {
				t.Errorf("secret %s stored under config/", tt.key)
			}
		})
	}
}

func TestConfigGet(t *testing.T) {
	tests := []struct {
		name             string
		args             []string
		wantOut, wantErr string
		wantCode         int
	}{
		{name: "stored", args: []string{"env"}, wantOut: "staging\n"},
		{name: "unset prints the default", args: []string{"approval"}, wantOut: "auto\n", wantErr: "(unset; default)\n"},
		{name: "unset without default", args: []string{"github-repo"}, wantOut: "\n", wantErr: "(unset; no default)\n"},
		{name: "empty stored value is unset", args: []string{"release-timezone"}, wantOut: "UTC\n", wantErr: "(unset; default)\n"},
		{name: "secret redacted", args: []string{"github-token"}, wantOut: "********\n"},
		{name: "secret shown", args: []string{"github-token", "--show"}, wantOut: "ghp_x\n"},
		{name: "secret/ wins over an older neco's config/", args: []string{"slack", "--show"},
			wantOut: "https://hooks.slack.com/new\n"},
		{name: "proxy password masked", args: []string{"proxy"}, wantOut: "http://u:xxxxx@proxy.example:3128\n"},
		{name: "proxy password shown", args: []string{"proxy", "--show"}, wantOut: "http://u:pw@proxy.example:3128\n"},
		{name: "multi-line value whole", args: []string{"signing-keys"}, wantOut: testSigningKeys + "\n"},
		{name: "key of a newer neco", args: []string{"future-key"}, wantOut: "1\n",
			wantErr: "(future-key is not a key this neco knows; a newer neco may use it)\n"},
		{name: "unknown key", args: []string{"nope"}, wantCode: 1,
			wantErr: "neco: config: unknown key \"nope\"; valid keys: env, "},
	}
	c := newCluster(t)
	s := seed(c)
	s.raw("config/env", "staging")
	s.raw("config/release-timezone", "")
	s.raw("config/github-token", "ghp_x")
	s.raw("config/proxy", "http://u:pw@proxy.example:3128")
	s.raw("config/signing-keys", testSigningKeys)
	s.raw("config/future-key", "1")
	s.raw("config/slack", "https://hooks.slack.com/legacy")
	s.raw("secret/slack", "https://hooks.slack.com/new")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := c.run(append([]string{"config", "get"}, tt.args...)...)
			if code != tt.wantCode || out != tt.wantOut || !strings.HasPrefix(errOut, tt.wantErr) || (tt.wantErr == "" && errOut != "") {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d, stdout %q, stderr %q",
					code, out, errOut, tt.wantCode, tt.wantOut, tt.wantErr)
			}
		})
	}
}

// tableRows splits a tabwriter table into cells by runs of 2+ spaces,
// keyed by the first cell.
func tableRows(t *testing.T, out string) map[string][]string {
	t.Helper()
	sep := regexp.MustCompile(`\s{2,}`)
	rows := map[string][]string{}
	for _, line := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		cells := sep.Split(strings.TrimSpace(line), -1)
		rows[cells[0]] = cells
	}
	return rows
}

func TestConfigList(t *testing.T) {
	c := newCluster(t)
	s := seed(c)
	s.raw("config/env", "staging")
	s.raw("config/github-token", "ghp_x")
	s.raw("config/approval", "sometimes")
	s.raw("config/signing-keys", testSigningKeys)
	s.raw("config/future-key", "1")
	s.raw("config/proxy", "http://u:pw@proxy.example:3128")
	s.raw("secret/webhook", "https://hooks.example/x")

	for _, show := range []bool{false, true} {
		args := []string{"config", "list"}
		token, proxy, webhook := "********", "http://u:xxxxx@proxy.example:3128", "********"
		if show {
			args = append(args, "--show")
			token, proxy, webhook = "ghp_x", "http://u:pw@proxy.example:3128", "https://hooks.example/x"
		}
		out, errOut, code := c.run(args...)
		if code != 0 || errOut != "" {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		rows := tableRows(t, out)
		want := map[string][]string{
			"KEY":                {"KEY", "VALUE", "DEFAULT", "NOTE"},
			"env":                {"env", "staging", "test"},
			"github-repo":        {"github-repo", "-", "-"},
			"github-token":       {"github-token", token, "-"},
			"webhook":            {"webhook", webhook, "-"},
			"proxy":              {"proxy", proxy, "-"},
			"approval":           {"approval", "sometimes", "auto", `invalid: unknown approval "sometimes"; want auto or manual`},
			"signing-keys":       {"signing-keys", fmt.Sprintf("<%d lines>", testSigningKeyLines), "-"},
			"github-deployments": {"github-deployments", "-", "false"},
			"future-key":         {"future-key", "1", "-", "unknown"},
		}
		for key, w := range want {
			if diff := cmp.Diff(w, rows[key]); diff != "" {
				t.Errorf("show=%v: row %s (-want +got):\n%s\n%s", show, key, diff, out)
			}
		}
		// Registry order first, unknown keys last.
		lines := strings.Split(out, "\n")
		if !strings.HasPrefix(lines[1], "env ") || !strings.HasPrefix(lines[len(lines)-2], "future-key ") {
			t.Errorf("order:\n%s", out)
		}
	}
}

func TestConfigUnset(t *testing.T) {
	tests := []struct {
		name             string
		key              string
		wantOut, wantErr string
		wantCode         int
		wantGone         bool
	}{
		{name: "set key", key: "env", wantOut: "env unset; the default applies: test\n", wantGone: true},
		{name: "set key without default", key: "github-repo", wantOut: "github-repo unset; no default\n", wantGone: true},
		{name: "not set", key: "approval", wantOut: "approval was not set; the default applies: auto\n", wantGone: true},
		{name: "key of a newer neco", key: "future-key", wantOut: "future-key unset\n", wantGone: true},
		{name: "unknown and not set", key: "nope", wantCode: 1, wantErr: "neco: config: unknown key \"nope\"; valid keys: ", wantGone: true},
		{name: "secret", key: "slack", wantOut: "slack unset; no default\n", wantGone: true},
		{name: "secret of an older neco", key: "webhook", wantOut: "webhook unset; no default\n", wantGone: true},
		{name: "secret not set", key: "github-token", wantOut: "github-token was not set; no default\n", wantGone: true},
	}
	c := newCluster(t)
	c.env = localConfig(t, "")
	s := seed(c)
	s.raw("config/env", "staging")
	s.raw("config/github-repo", "example/site")
	s.raw("config/future-key", "1")
	s.raw("secret/slack", "https://hooks.slack.com/services/T/B/X")
	s.raw("config/webhook", "https://hooks.example/legacy")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := c.run("config", "unset", tt.key)
			if code != tt.wantCode || out != tt.wantOut || !strings.HasPrefix(errOut, tt.wantErr) || (tt.wantErr == "" && errOut != "") {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d, stdout %q, stderr %q",
					code, out, errOut, tt.wantCode, tt.wantOut, tt.wantErr)
			}
			for _, key := range []string{"config/" + tt.key, "secret/" + tt.key} {
				if _, ok := s.get(key); ok == tt.wantGone {
					t.Errorf("%s present: %v", key, ok)
				}
			}
		})
	}
}

func TestConfigSetPromptsATerminal(t *testing.T) {
	c := newCluster(t)
	// /dev/null is a character device like a terminal, and reads empty.
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	var out, errb syncBuffer
	env := c.envFor(&out, &errb)
	env.Stdin = null
	code := Execute(t.Context(), env, []string{"config", "set", "github-token"})
	want := "reading github-token from standard input; end it with Ctrl-D\n" +
		"neco: github-token: empty value; to unset it, run \"neco config unset github-token\"\n"
	if code != 1 || errb.String() != want || out.String() != "" {
		t.Errorf("exit %d, stdout %q, stderr %q; want 1, \"\", %q", code, out.String(), errb.String(), want)
	}
}
