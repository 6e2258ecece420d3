package config

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/necoship/neco/pkg/model"
)

// Key describes one cluster configuration key, stored in etcd as config/<Name>.
type Key struct {
	Name        string
	Description string
	// Default is the value that applies when the key is unset, in the same
	// syntax `neco config set` accepts; empty when there is none.
	Default string
	// Secret keys are never printed: see Redact.
	Secret bool
	// MultiLine keys take values that span lines (ASCII-armored keys);
	// every other key refuses a newline.
	MultiLine bool
}

// Redacted is what Redact shows instead of a secret value.
const Redacted = "********"

// keyDef binds a key to the parser that sets its Cluster field. apply is
// only called with a non-empty value.
type keyDef struct {
	Key
	apply func(c *Cluster, v string) error
}

// registry is the only place the key names are spelled. Its order is the
// order of `neco config list`. It is never modified.
var registry = [...]keyDef{
	{Key{Name: "env", Default: "test",
		Description: "update channel: production, staging, dev or test (test never updates)"},
		func(c *Cluster, v string) (err error) { c.Env, err = model.ParseEnv(v); return }},
	{Key{Name: "site", Default: "",
		Description: "short name of this site (e.g. tokyo0: lowercase letters, digits and -, up to 32): in notifications, neco status and the GitHub deployment environment (env-site), so that sites of one env never touch each other's deployments"},
		func(c *Cluster, v string) (err error) { c.Site, err = parseSiteName(v); return }},
	{Key{Name: "github-repo", Default: "",
		Description: "repository of the site releases, owner/name"},
		func(c *Cluster, v string) (err error) { c.GitHubRepo, err = parseRepo(v); return }},
	{Key{Name: "github-api-url", Default: "https://api.github.com/",
		Description: "GitHub REST API base URL (GitHub Enterprise or a neco mirror)"},
		func(c *Cluster, v string) (err error) { c.GitHubAPIURL, err = parseAPIURL(v); return }},
	{Key{Name: "github-token", Default: "", Secret: true,
		Description: "GitHub token of neco-updater (release API); workers use it for downloads only while etcd auth is off and github-asset-token is unset"},
		func(c *Cluster, v string) (err error) { c.GitHubToken, err = parseToken(v); return }},
	{Key{Name: "github-asset-token", Default: "", Secret: true,
		Description: "GitHub token of neco-worker for release downloads (read-only contents scope); every boot server's etcd role may read it"},
		func(c *Cluster, v string) (err error) { c.GitHubAssetToken, err = parseToken(v); return }},
	{Key{Name: "proxy", Default: "",
		Description: "HTTP(S) proxy URL for outgoing requests"},
		func(c *Cluster, v string) (err error) { c.Proxy, err = parseProxy(v); return }},
	{Key{Name: "no-proxy", Default: "",
		Description: "comma-separated hosts, .domains, IPs and CIDRs reached without proxy (NO_PROXY syntax): GitHub, release downloads, notifications and image pulls"},
		func(c *Cluster, v string) (err error) { c.NoProxy, err = parseNoProxy(v); return }},
	{Key{Name: "registry-credentials", Default: "", Secret: true, MultiLine: true,
		Description: "YAML map of registry host[:port] to {username, password} for image pulls; each goes only to its own host, never in clear; every boot server's etcd role may read it"},
		func(c *Cluster, v string) (err error) {
			c.RegistryCredentials, err = parseRegistryCredentials(v)
			return
		}},
	{Key{Name: "check-update-interval", Default: "1m",
		Description: "how often to poll for releases, 10s to 24h"},
		func(c *Cluster, v string) (err error) {
			c.CheckUpdateInterval, err = parseDurationIn(v, 10*time.Second, 24*time.Hour)
			return
		}},
	{Key{Name: "worker-timeout", Default: "30m",
		Description: "how long a worker may go without progress before the update times out, at least 1m"},
		func(c *Cluster, v string) (err error) {
			c.WorkerTimeout, err = parseDurationIn(v, time.Minute, 0)
			return
		}},
	{Key{Name: "release-time", Default: "",
		Description: `cron expressions separated by ";": the minutes in which an update may start (empty: any time)`},
		func(c *Cluster, v string) (err error) { c.ReleaseTime, err = parseSchedules(v); return }},
	{Key{Name: "release-timezone", Default: "UTC",
		Description: "time zone of release-time, e.g. Asia/Tokyo"},
		func(c *Cluster, v string) (err error) { c.ReleaseTimezone, err = parseTimezone(v); return }},
	{Key{Name: "release-window-scope", Default: "start",
		Description: "start: release-time bounds when an update may start; whole: a running update also pauses between steps outside release-time and goes on in the next window (rollbacks are never held)"},
		func(c *Cluster, v string) (err error) { c.ReleaseWindowScope, err = parseWindowScope(v); return }},
	{Key{Name: "release-prefixes", Default: "release",
		Description: "comma-separated tag prefixes of releases"},
		func(c *Cluster, v string) (err error) { c.ReleasePrefixes, err = parsePrefixes(v); return }},
	{Key{Name: "dev-prefixes", Default: "test",
		Description: "comma-separated tag prefixes also taken by env dev"},
		func(c *Cluster, v string) (err error) { c.DevPrefixes, err = parsePrefixes(v); return }},
	{Key{Name: "approval", Default: "auto",
		Description: "auto starts updates; manual waits for `neco update approve`"},
		func(c *Cluster, v string) (err error) { c.Approval, err = parseApproval(v); return }},
	{Key{Name: "canary", Default: "0",
		Description: "how many servers (the first in LRN order) run the whole update, once-steps aside, before any other server starts it; 0 to 1000, 0: none"},
		func(c *Cluster, v string) (err error) { c.Canary, err = parseIntIn(v, 0, 1000); return }},
	{Key{Name: "canary-soak", Default: "0s",
		Description: "how long the other servers wait after the canaries finished, 0s to 24h"},
		func(c *Cluster, v string) (err error) {
			c.CanarySoak, err = parseDurationIn(v, 0, 24*time.Hour)
			return
		}},
	{Key{Name: "on-failure", Default: "stop",
		Description: "stop: a failed update waits for an operator; rollback: neco-updater rolls the servers it changed back to the last completed release, unless an irreversible once-step started"},
		func(c *Cluster, v string) (err error) { c.OnFailure, err = parseOnFailure(v); return }},
	{Key{Name: "gate-prometheus-url", Default: "",
		Description: "Prometheus whose firing alerts hold a rollout (before an update starts, before each rolling turn, at the end of canary-soak); unreachable holds too; empty: no gate"},
		func(c *Cluster, v string) (err error) { c.GatePrometheusURL, err = parseGateURL(v); return }},
	{Key{Name: "gate-alerts", Default: "",
		Description: "regexp over alert names: the firing alerts that hold a rollout (anchored; empty: every firing alert)"},
		func(c *Cluster, v string) (err error) { c.GateAlerts, err = parseGateAlerts(v); return }},
	{Key{Name: "require-deployed", Default: "",
		Description: "promotion gate: a release is taken only after a GitHub deployment of its tag succeeded in this environment (env, or env-site of a named site, e.g. staging or staging-tokyo0), as the other site's neco records it with github-deployments; empty: no gate"},
		func(c *Cluster, v string) (err error) { c.RequireDeployed, err = parseEnvironmentName(v); return }},
	{Key{Name: "min-release-age", Default: "0s",
		Description: "how long a release must have been published before it is taken (e.g. 24h for production), 0s to 720h"},
		func(c *Cluster, v string) (err error) {
			c.MinReleaseAge, err = parseDurationIn(v, 0, 30*24*time.Hour)
			return
		}},
	{Key{Name: "package-asset", Default: "*_{{version}}_amd64.deb",
		Description: "glob of the site package asset; {{version}} is the release version"},
		func(c *Cluster, v string) (err error) { c.PackageAsset, err = parsePackageAsset(v); return }},
	{Key{Name: "max-asset-size", Default: "4GiB",
		Description: "largest release asset a worker downloads (e.g. 512MiB, 8GiB), 1MiB to 1TiB; a download stops at the first byte past it or past the size the release declares"},
		func(c *Cluster, v string) (err error) { c.MaxAssetSize, err = parseSizeIn(v, 1<<20, 1<<40); return }},
	{Key{Name: "signing-keys", Default: "", MultiLine: true,
		Description: "ASCII-armored OpenPGP public keys; when set, releases must be signed"},
		func(c *Cluster, v string) (err error) { c.SigningKeys, err = parseSigningKeys(v); return }},
	{Key{Name: "slack", Default: "", Secret: true,
		Description: "Slack incoming-webhook URL for notifications"},
		func(c *Cluster, v string) (err error) { c.Slack, err = parseHookURL(v); return }},
	{Key{Name: "webhook", Default: "", Secret: true,
		Description: "URL that receives a JSON notification for each update"},
		func(c *Cluster, v string) (err error) { c.Webhook, err = parseHookURL(v); return }},
	{Key{Name: "github-webhook-secret", Default: "", Secret: true,
		Description: "HMAC secret of the GitHub release webhook; the endpoint refuses every delivery while unset"},
		func(c *Cluster, v string) (err error) { c.GitHubWebhookSecret, err = parseWebhookSecret(v); return }},
	{Key{Name: "github-deployments", Default: "false",
		Description: "report updates as GitHub deployment statuses: true or false"},
		func(c *Cluster, v string) (err error) { c.GitHubDeployments, err = parseBool(v); return }},
}

// Keys returns every key in a stable order.
func Keys() []Key {
	keys := make([]Key, len(registry))
	for i, k := range registry {
		keys[i] = k.Key
	}
	return keys
}

// LookupKey returns the key called name.
func LookupKey(name string) (Key, bool) {
	k, ok := lookupKey(name)
	return k.Key, ok
}

func lookupKey(name string) (keyDef, bool) {
	for _, k := range registry {
		if k.Name == name {
			return k, true
		}
	}
	return keyDef{}, false
}

// ValidateValue checks value for key name before `neco config set` stores
// it. An empty value (unset) is always valid. Errors name the key
// ("env: ...") and wrap ErrUnknownKey when the key does not exist.
func ValidateValue(name, value string) error {
	k, ok := lookupKey(name)
	if !ok {
		names := make([]string, len(registry))
		for i, k := range registry {
			names[i] = k.Name
		}
		return fmt.Errorf("%w %q; valid keys: %s", ErrUnknownKey, name, strings.Join(names, ", "))
	}
	if value == "" {
		return nil
	}
	var scratch Cluster
	if err := k.apply(&scratch, value); err != nil {
		return &model.FieldError{Field: name, Err: err}
	}
	return nil
}

// UpdaterSecrets are the secret keys neco-updater reads: the release API
// token, the notification URLs and the webhook secret. The etcd role of
// the updaters grants these and no server's role does.
func UpdaterSecrets() []string {
	return []string{"github-token", "slack", "webhook", "github-webhook-secret"}
}

// WorkerSecrets are the secret keys neco-worker reads: the tokens it
// downloads release assets with and the credentials it pulls images with.
// A server's etcd role grants github-asset-token and registry-credentials;
// github-token reaches a worker only on a site without etcd auth (see
// DownloadToken).
func WorkerSecrets() []string {
	return []string{"github-asset-token", "github-token", "registry-credentials"}
}

// IsSecret says whether name is a secret key: never printed, stored apart
// from the other keys, readable only by the roles that use it.
func IsSecret(name string) bool {
	k, ok := lookupKey(name)
	return ok && k.Secret
}

// Redact returns value fit for printing: Redacted for a non-empty secret
// key, and for any other value that is a URL with a password, the URL with
// the password masked (a proxy may carry one). Unknown keys get the same
// URL treatment; their values are otherwise shown.
func Redact(name, value string) string {
	if value == "" {
		return ""
	}
	if k, ok := lookupKey(name); ok && k.Secret {
		return Redacted
	}
	if u, err := url.Parse(value); err == nil && u.User != nil {
		if _, has := u.User.Password(); has {
			return u.Redacted()
		}
	}
	return value
}
