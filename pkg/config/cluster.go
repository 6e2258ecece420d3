package config

import (
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/necoship/neco/pkg/model"
)

// OnFailure says what follows an update that aborted or timed out.
type OnFailure string

// The on-failure values.
const (
	// OnFailureStop: the site stops until an operator acts.
	OnFailureStop OnFailure = "stop"
	// OnFailureRollback: neco-updater rolls back by itself when it is safe.
	OnFailureRollback OnFailure = "rollback"
)

// WindowScope says how much of an update release-time bounds.
type WindowScope string

// The release-window-scope values.
const (
	// WindowScopeStart: release-time bounds when an update may start; once
	// started it runs to its end.
	WindowScopeStart WindowScope = "start"
	// WindowScopeWhole: a running update also pauses between steps while
	// no window is open, and goes on when the next one opens.
	WindowScopeWhole WindowScope = "whole"
)

// Approval says whether an update to a newly seen release starts by itself.
type Approval string

const (
	// ApprovalAuto starts the update as soon as the release is picked.
	ApprovalAuto Approval = "auto"
	// ApprovalManual records the candidate and waits for
	// `neco update approve VERSION`.
	ApprovalManual Approval = "manual"
)

// versionPlaceholder is replaced by the release version in PackageAsset.
const versionPlaceholder = "{{version}}"

// Cluster is the cluster-wide configuration stored in etcd under
// config/<name>. Keys describes each key's name, default and rule.
type Cluster struct {
	Env model.Env
	// Site is the site's short name; "" when unnamed.
	Site string
	// GitHubRepo is "owner/name".
	GitHubRepo string
	// GitHubAPIURL always ends with "/": API paths are joined onto it.
	GitHubAPIURL string
	// GitHubToken is secret: print it only through Redact. It is
	// neco-updater's; with etcd auth on, workers cannot read it.
	GitHubToken string
	// GitHubAssetToken is secret: the token workers download with, so
	// that a boot server's credentials reach a read-only token at most.
	GitHubAssetToken string
	// Proxy is empty when requests go direct.
	Proxy               string
	CheckUpdateInterval time.Duration
	WorkerTimeout       time.Duration
	// ReleaseTime empty means an update may start at any time.
	ReleaseTime     []Schedule
	ReleaseTimezone *time.Location
	// ReleaseWindowScope says whether ReleaseTime bounds the start of an
	// update only or all of it.
	ReleaseWindowScope WindowScope
	ReleasePrefixes    []string
	DevPrefixes        []string
	Approval           Approval
	// Canary is how many servers run an update first; CanarySoak how long
	// the rest waits after them.
	Canary     int
	CanarySoak time.Duration
	// OnFailure says what a failed update leads to.
	OnFailure OnFailure
	// GatePrometheusURL is the alert gate's Prometheus ("" = no gate);
	// GateAlerts the alert names that hold (nil: every firing alert).
	GatePrometheusURL string
	GateAlerts        *regexp.Regexp
	// RequireDeployed is the environment a release must have been
	// deployed to with success before it is taken; "" for no gate.
	RequireDeployed string
	// MinReleaseAge is how long a release must have been published before
	// it is a candidate; 0 takes releases at once.
	MinReleaseAge time.Duration
	// PackageAsset is a path.Match glob containing "{{version}}".
	PackageAsset string
	// MaxAssetSize bounds each download of a worker, in bytes.
	MaxAssetSize int64
	// NoProxy lists what image pulls reach without Proxy, as NO_PROXY
	// does ("" when none).
	NoProxy string
	// RegistryCredentials is secret: registry host[:port] -> what
	// neco-worker pulls from it with (nil when none).
	RegistryCredentials map[string]RegistryCredential
	// SigningKeys empty means releases need not be signed.
	SigningKeys string
	// Slack and Webhook are secret (their URLs carry the credential).
	Slack   string
	Webhook string
	// GitHubWebhookSecret is secret: it authenticates release webhooks.
	GitHubWebhookSecret string
	GitHubDeployments   bool
}

// DefaultCluster returns the configuration of a cluster with no config keys.
// The defaults are the registry's Default strings, so `neco config list`
// shows exactly what applies.
func DefaultCluster() Cluster {
	var c Cluster
	for _, k := range registry {
		if k.Default == "" {
			continue
		}
		if err := k.apply(&c, k.Default); err != nil {
			// Unreachable unless the registry is edited wrongly; the tests
			// parse every default.
			panic("config: bad default for " + k.Name + ": " + err.Error())
		}
	}
	return c
}

// ParseCluster applies values (key name -> raw value from etcd) over
// DefaultCluster. An empty value means unset. Keys this neco does not know
// are returned sorted, not rejected, so that an older neco keeps running
// beside a newer one's keys. Every bad value is reported, each naming its
// etcd key ("config/env: ..."); on error the Cluster is the zero value so
// that a half-applied configuration is never used.
func ParseCluster(values map[string]string) (Cluster, []string, error) {
	c := DefaultCluster()
	var errs fieldErrors
	for _, k := range registry {
		v := values[k.Name]
		if v == "" {
			continue
		}
		errs.add("config/"+k.Name, k.apply(&c, v))
	}
	var unknown []string
	for name := range values {
		if _, ok := lookupKey(name); !ok {
			unknown = append(unknown, name)
		}
	}
	slices.Sort(unknown)
	if err := errs.join(); err != nil {
		return Cluster{}, unknown, err
	}
	return c, unknown, nil
}

// PackageAssetFor returns the asset-name glob for the site package of v.
func (c Cluster) PackageAssetFor(v model.Version) string {
	return strings.ReplaceAll(c.PackageAsset, versionPlaceholder, v.String())
}

// DownloadToken is the token a worker downloads release assets with:
// github-asset-token when set, otherwise github-token when this worker may
// read it (a site without etcd auth), otherwise none (a public repository
// or a mirror).
func (c Cluster) DownloadToken() string {
	if c.GitHubAssetToken != "" {
		return c.GitHubAssetToken
	}
	return c.GitHubToken
}
