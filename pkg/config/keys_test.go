package config

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestKeys(t *testing.T) {
	wantNames := []string{
		"env", "site", "github-repo", "github-api-url", "github-token", "github-asset-token", "proxy", "no-proxy", "registry-credentials",
		"check-update-interval", "worker-timeout", "release-time", "release-timezone",
		"release-window-scope", "release-prefixes", "dev-prefixes", "approval", "canary", "canary-soak", "on-failure", "gate-prometheus-url", "gate-alerts", "require-deployed", "min-release-age", "package-asset", "max-asset-size", "signing-keys",
		"slack", "webhook", "github-webhook-secret", "github-deployments",
	}
	keys := Keys()
	var names, secrets []string
	for _, k := range keys {
		names = append(names, k.Name)
		if k.Secret {
			secrets = append(secrets, k.Name)
		}
		if k.Description == "" {
			t.Errorf("key %s has no description", k.Name)
		}
		if err := ValidateValue(k.Name, k.Default); err != nil {
			t.Errorf("default of %s does not validate: %v", k.Name, err)
		}
	}
	if diff := cmp.Diff(wantNames, names); diff != "" {
		t.Errorf("Keys() names mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"github-token", "github-asset-token", "registry-credentials", "slack", "webhook", "github-webhook-secret"}, secrets); diff != "" {
		t.Errorf("secret keys mismatch (-want +got):\n%s", diff)
	}
	keys[0].Name = "changed"
	if Keys()[0].Name != "env" {
		t.Error("Keys() returned the registry itself, not a copy")
	}
}

func TestLookupKey(t *testing.T) {
	tests := []struct {
		name   string
		want   Key
		wantOK bool
	}{
		{name: "slack", want: Key{Name: "slack", Default: "", Secret: true,
			Description: "Slack incoming-webhook URL for notifications"}, wantOK: true},
		{name: "env", want: Key{Name: "env", Default: "test",
			Description: "update channel: production, staging, dev or test (test never updates)"}, wantOK: true},
		{name: "Env"},
		{name: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := LookupKey(tt.name)
			if ok != tt.wantOK {
				t.Fatalf("LookupKey(%q) ok = %v; want %v", tt.name, ok, tt.wantOK)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("LookupKey() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidateValue(t *testing.T) {
	const secretURL = "not a valid URL (value not shown: it is secret)"
	tests := []struct {
		key, value string
		wantErr    string
	}{
		{"env", "production", ""},
		{"env", "dev", ""},
		{"env", "prod", `env: unknown env "prod"; want production, staging, dev or test`},
		{"env", "Production", `env: unknown env "Production"; want production, staging, dev or test`},
		{"github-repo", "cybozu-go/neco", ""},
		{"github-repo", "a.b/c_d-e", ""},
		{"github-repo", "neco", `github-repo: "neco": want owner/name`},
		{"github-repo", "a/b/c", `github-repo: "a/b/c": want owner/name`},
		{"github-repo", "./neco", `github-repo: "./neco": "." is not a valid owner or repository name (want [A-Za-z0-9_.-]+)`},
		{"github-repo", "o/..", `github-repo: "o/..": ".." is not a valid owner or repository name (want [A-Za-z0-9_.-]+)`},
		{"github-repo", "/neco", `github-repo: "/neco": "" is not a valid owner or repository name (want [A-Za-z0-9_.-]+)`},
		{"github-repo", "o/n e", `github-repo: "o/n e": "n e" is not a valid owner or repository name (want [A-Za-z0-9_.-]+)`},
		{"github-api-url", "https://ghe.example/api/v3", ""},
		{"github-api-url", "http://127.0.0.1:8080/", ""},
		{"github-api-url", "ftp://x/", `github-api-url: scheme "ftp" not allowed; want http or https`},
		{"github-api-url", "api.github.com", `github-api-url: not an absolute URL; want http or https`},
		{"github-api-url", "https://x/?page=1", "github-api-url: must not have a query or fragment"},
		{"github-api-url", "https://x/#top", "github-api-url: must not have a query or fragment"},
		{"github-api-url", "https://x/%zz", `github-api-url: parse "https://x/%zz": invalid URL escape "%zz"`},
		{"github-token", "ghp_0123456789abcdef", ""},
		{"github-token", "ghp_0123\n", "github-token: byte 8: want printable ASCII without spaces (value not shown: it is secret)"},
		{"github-token", "ghp é", "github-token: byte 3: want printable ASCII without spaces (value not shown: it is secret)"},
		{"proxy", "http://proxy.example:3128", ""},
		{"proxy", "https://user:pw@proxy.example", ""},
		{"proxy", "socks5://proxy:1080", `proxy: scheme "socks5" not allowed; want http or https`},
		{"proxy", "http://user:p%zz@proxy", "proxy: " + secretURL},
		{"check-update-interval", "10s", ""},
		{"check-update-interval", "24h", ""},
		{"check-update-interval", "9s", "check-update-interval: 9s is below the minimum 10s"},
		{"check-update-interval", "25h", "check-update-interval: 25h0m0s is above the maximum 24h0m0s"},
		{"check-update-interval", "1 minute", `check-update-interval: time: unknown unit " minute" in duration "1 minute"`},
		{"min-release-age", "24h", ""},
		{"min-release-age", "0s", ""},
		{"min-release-age", "-1s", "min-release-age: -1s is below the minimum 0s"},
		{"min-release-age", "721h", "min-release-age: 721h0m0s is above the maximum 720h0m0s"},
		{"worker-timeout", "1m", ""},
		{"worker-timeout", "720h", ""},
		{"worker-timeout", "59s", "worker-timeout: 59s is below the minimum 1m0s"},
		{"worker-timeout", "-1h", "worker-timeout: -1h0m0s is below the minimum 1m0s"},
		{"worker-timeout", "30", `worker-timeout: time: missing unit in duration "30"`},
		{"release-time", "0 3 * * *", ""},
		{"release-time", "0 3 * * 1-5; 30 21 * * sat", ""},
		{"release-time", "@daily", ""},
		{"release-time", "0 0 29 2 *", ""}, // leap day: fires every four years
		{"release-time", "0 0 30 2 *", `release-time: expression 1: "0 0 30 2 *": never fires`},
		{"release-time", "0 3 * * *; 0 0 31 4,6,9,11 *", `release-time: expression 2: "0 0 31 4,6,9,11 *": never fires`},
		{"release-time", "0 3 * *", `release-time: expression 1: "0 3 * *": expected exactly 5 fields, found 4: [0 3 * *]`},
		{"release-time", "0 25 * * *", `release-time: expression 1: "0 25 * * *": end of range (25) above maximum (23): 25`},
		{"release-time", "0 3 * * *;", "release-time: expression 2: empty"},
		{"release-time", "TZ=Asia/Tokyo 0 3 * * *", `release-time: expression 1: "TZ=Asia/Tokyo 0 3 * * *": TZ= prefix not allowed; set release-timezone instead`},
		{"release-time", "TZ=x", `release-time: expression 1: "TZ=x": TZ= prefix not allowed; set release-timezone instead`},
		{"release-time", "@every 1h", `release-time: expression 1: "@every 1h": @every not allowed; want a 5-field cron expression`},
		{"release-timezone", "Asia/Tokyo", ""},
		{"release-timezone", "UTC", ""},
		{"release-timezone", "Local", `release-timezone: "Local" not allowed; name a zone such as UTC or Asia/Tokyo`},
		{"release-timezone", "Mars/Olympus", "release-timezone: unknown time zone Mars/Olympus"},
		{"release-timezone", "../etc/passwd", "release-timezone: time: invalid location name"},
		{"release-prefixes", "release", ""},
		{"release-prefixes", " release , v2.x_1 ", ""},
		{"release-prefixes", "release-x", `release-prefixes: prefix "release-x": prefix character '-' not allowed (want [A-Za-z0-9_.]; a tag's prefix ends at its first '-')`},
		{"release-prefixes", "release,,hotfix", "release-prefixes: prefix 2 is empty"},
		{"release-prefixes", "a,a", `release-prefixes: prefix "a" listed twice`},
		{"dev-prefixes", "test,dev", ""},
		{"dev-prefixes", "te st", `dev-prefixes: prefix "te st": prefix character ' ' not allowed (want [A-Za-z0-9_.]; a tag's prefix ends at its first '-')`},
		{"site", "tokyo0", ""},
		{"site", "a", ""},
		{"site", "Tokyo", `site: "Tokyo": want 1 to 32 lowercase letters, digits and -, not starting or ending with -`},
		{"site", "tokyo-", `site: "tokyo-": want 1 to 32 lowercase letters, digits and -, not starting or ending with -`},
		{"site", "a/b", `site: "a/b": want 1 to 32 lowercase letters, digits and -, not starting or ending with -`},
		{"site", strings.Repeat("a", 33), `site: "` + strings.Repeat("a", 33) + `": want 1 to 32 lowercase letters, digits and -, not starting or ending with -`},
		{"require-deployed", "staging", ""},
		{"require-deployed", "staging-tokyo0", ""},
		{"require-deployed", "Staging", `require-deployed: "Staging": want an environment such as staging or staging-tokyo0 (lowercase letters, digits and -)`},
		{"release-window-scope", "whole", ""},
		{"release-window-scope", "all", `release-window-scope: "all": want start or whole`},
		{"approval", "auto", ""},
		{"approval", "manual", ""},
		{"approval", "Manual", `approval: unknown approval "Manual"; want auto or manual`},
		{"package-asset", "neco-site_{{version}}_amd64.deb", ""},
		{"package-asset", "*.deb", `package-asset: "*.deb": must contain "{{version}}"`},
		{"package-asset", "dir/*_{{version}}.deb", `package-asset: "dir/*_{{version}}.deb": must not contain "/" (it matches an asset name, not a path)`},
		{"package-asset", "[_{{version}}.deb", `package-asset: "[_{{version}}.deb": syntax error in pattern`},
		{"signing-keys", testArmor, ""},
		{"signing-keys", "ssh-rsa AAAA", `signing-keys: no "-----BEGIN PGP PUBLIC KEY BLOCK-----" line: want ASCII-armored OpenPGP public keys`},
		{"slack", "https://hooks.slack.com/services/T0/B0/X0", ""},
		{"slack", "http://127.0.0.1:8080/hook", ""},
		{"slack", "http://localhost/hook", ""},
		{"slack", "http://[::1]:8080/hook", ""},
		{"slack", "http://hooks.slack.com/services/T0/B0/X0", `slack: scheme "http" allowed only for 127.0.0.1, ::1 or localhost; want https`},
		{"slack", "hooks.slack.com/services/T0/B0/X0", "slack: not an absolute URL; want https"},
		{"slack", "https://hooks.slack.com/services/%zz", "slack: " + secretURL},
		{"webhook", "https://hooks.example/x?token=1", ""},
		{"webhook", "https:///x", "webhook: missing host"},
		{"webhook", "ftp://hooks.example/x", `webhook: scheme "ftp" not allowed; want https`},
		{"github-deployments", "true", ""},
		{"github-deployments", "0", ""},
		{"github-deployments", "yes", `github-deployments: want true or false, got "yes"`},
	}
	for _, tt := range tests {
		t.Run(tt.key+"="+tt.value, func(t *testing.T) {
			err := ValidateValue(tt.key, tt.value)
			checkErr(t, err, tt.wantErr, "")
			// ParseCluster must agree, naming the etcd key instead.
			_, _, perr := ParseCluster(map[string]string{tt.key: tt.value})
			want := ""
			if tt.wantErr != "" {
				want = "config/" + tt.wantErr
			}
			checkErr(t, perr, want, "")
		})
	}
}

func TestValidateValueKeyAndEmpty(t *testing.T) {
	tests := []struct {
		name, key   string
		wantUnknown bool
	}{
		{name: "unknown key", key: "envv", wantUnknown: true},
		{name: "empty key", key: "", wantUnknown: true},
		{name: "empty value unsets any key", key: "github-repo"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateValue(tt.key, "")
			if !tt.wantUnknown {
				checkErr(t, err, "", "")
				return
			}
			if !errors.Is(err, ErrUnknownKey) {
				t.Fatalf("error %v does not wrap ErrUnknownKey", err)
			}
			for _, k := range Keys() {
				if !strings.Contains(err.Error(), k.Name) {
					t.Errorf("error %q does not list key %s", err, k.Name)
				}
			}
		})
	}
}

func TestRedact(t *testing.T) {
	tests := []struct {
		name, key, value, want string
	}{
		{name: "token", key: "github-token", value: "ghp_x", want: Redacted},
		{name: "slack", key: "slack", value: "https://hooks.slack.com/services/T/B/X", want: Redacted},
		{name: "webhook", key: "webhook", value: "https://h.example/x", want: Redacted},
		{name: "unset secret", key: "github-token", value: "", want: ""},
		{name: "plain key", key: "env", value: "production", want: "production"},
		{name: "proxy password masked", key: "proxy", value: "http://u:pw@proxy:3128",
			want: "http://u:xxxxx@proxy:3128"},
		{name: "proxy user only", key: "proxy", value: "http://u@proxy:3128", want: "http://u@proxy:3128"},
		{name: "unknown key shown", key: "newer-key", value: "v", want: "v"},
		{name: "unknown key URL password masked", key: "newer-key", value: "https://a:b@h/",
			want: "https://a:xxxxx@h/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Redact(tt.key, tt.value); got != tt.want {
				t.Errorf("Redact(%q, %q) = %q; want %q", tt.key, tt.value, got, tt.want)
			}
		})
	}
}
