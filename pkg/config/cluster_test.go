package config

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/necoship/neco/pkg/model"

	_ "time/tzdata" // Asia/Tokyo without depending on the host's zoneinfo
)

// clusterCmp compares what cmp cannot see into: locations by name, cron
// schedules by expression.
var clusterCmp = cmp.Options{
	cmp.Comparer(func(a, b *time.Location) bool {
		return (a == nil) == (b == nil) && (a == nil || a.String() == b.String())
	}),
	cmp.Comparer(func(a, b Schedule) bool {
		return (a == nil) == (b == nil) && (a == nil || a.String() == b.String())
	}),
}

const testArmor = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmDMEZfake\n-----END PGP PUBLIC KEY BLOCK-----\n"

func mustLocation(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func mustSchedules(t *testing.T, v string) []Schedule {
	t.Helper()
	s, err := parseSchedules(v)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func withCluster(f func(*Cluster)) Cluster {
	c := DefaultCluster()
	f(&c)
	return c
}

func TestDefaultCluster(t *testing.T) {
	want := Cluster{
		Env:                 model.EnvTest,
		GitHubAPIURL:        "https://api.github.com/",
		CheckUpdateInterval: time.Minute,
		WorkerTimeout:       30 * time.Minute,
		ReleaseTimezone:     time.UTC,
		ReleasePrefixes:     []string{"release"},
		DevPrefixes:         []string{"test"},
		Approval:            ApprovalAuto,
		PackageAsset:        "*_{{version}}_amd64.deb",
		MaxAssetSize:        4 << 30,
		OnFailure:           OnFailureStop,
		ReleaseWindowScope:  WindowScopeStart,
	}
	if diff := cmp.Diff(want, DefaultCluster(), clusterCmp); diff != "" {
		t.Errorf("DefaultCluster() mismatch (-want +got):\n%s", diff)
	}
}

func TestParseCluster(t *testing.T) {
	all := map[string]string{
		"env":                   "production",
		"site":                  "tokyo0",
		"github-repo":           "cybozu-go/neco-apps",
		"github-api-url":        "https://ghe.example/api/v3",
		"github-token":          "ghp_0123456789",
		"proxy":                 "http://proxy.example:3128",
		"check-update-interval": "5m",
		"worker-timeout":        "2h",
		"release-time":          "0 3 * * 1-5; 30 21 * * 6",
		"release-timezone":      "Asia/Tokyo",
		"release-window-scope":  "whole",
		"release-prefixes":      "release, hotfix",
		"dev-prefixes":          "test,dev",
		"approval":              "manual",
		"min-release-age":       "24h",
		"package-asset":         "neco-site_{{version}}_amd64.deb",
		"signing-keys":          testArmor,
		"slack":                 "https://hooks.slack.com/services/T0/B0/X0",
		"webhook":               "http://127.0.0.1:8080/hook",
		"github-webhook-secret": "0123456789abcdef",
		"github-deployments":    "true",
	}
	tests := []struct {
		name        string
		values      map[string]string
		want        Cluster
		wantUnknown []string
		wantErr     string
	}{
		{name: "nil map", values: nil, want: DefaultCluster()},
		{name: "empty values are unset", values: map[string]string{"env": "", "approval": ""},
			want: DefaultCluster()},
		{name: "every key", values: all, want: Cluster{
			Env:                 model.EnvProduction,
			Site:                "tokyo0",
			GitHubRepo:          "cybozu-go/neco-apps",
			GitHubAPIURL:        "https://ghe.example/api/v3/",
			GitHubToken:         "ghp_0123456789",
			Proxy:               "http://proxy.example:3128",
			CheckUpdateInterval: 5 * time.Minute,
			WorkerTimeout:       2 * time.Hour,
			ReleaseTime:         mustSchedules(t, "0 3 * * 1-5;30 21 * * 6"),
			ReleaseTimezone:     mustLocation(t, "Asia/Tokyo"),
			ReleaseWindowScope:  WindowScopeWhole,
			ReleasePrefixes:     []string{"release", "hotfix"},
			DevPrefixes:         []string{"test", "dev"},
			Approval:            ApprovalManual,
			MinReleaseAge:       24 * time.Hour,
			PackageAsset:        "neco-site_{{version}}_amd64.deb",
			MaxAssetSize:        4 << 30,
			OnFailure:           OnFailureStop,
			SigningKeys:         testArmor,
			Slack:               "https://hooks.slack.com/services/T0/B0/X0",
			Webhook:             "http://127.0.0.1:8080/hook",
			GitHubWebhookSecret: "0123456789abcdef",
			GitHubDeployments:   true,
		}},
		{name: "short webhook secret", values: map[string]string{"github-webhook-secret": "hunter2"},
			wantErr: "config/github-webhook-secret: at least 16 characters, got 7"},
		{name: "unknown keys are returned sorted",
			values:      map[string]string{"zeta": "1", "alpha": "", "env": "dev"},
			want:        withCluster(func(c *Cluster) { c.Env = model.EnvDev }),
			wantUnknown: []string{"alpha", "zeta"}},
		{name: "bad env", values: map[string]string{"env": "prod"},
			wantErr: `config/env: unknown env "prod"; want production, staging, dev or test`},
		{name: "never-firing cron", values: map[string]string{"release-time": "0 0 30 2 *"},
			wantErr: `config/release-time: expression 1: "0 0 30 2 *": never fires`},
		{name: "every bad key, in registry order, unknown keys still returned",
			values: map[string]string{
				"webhook": "ftp://x", "env": "prod", "newer-key": "x",
				"worker-timeout": "1s", "github-token": "a b",
			},
			wantUnknown: []string{"newer-key"},
			wantErr: strings.Join([]string{
				`config/env: unknown env "prod"; want production, staging, dev or test`,
				"config/github-token: byte 1: want printable ASCII without spaces (value not shown: it is secret)",
				"config/worker-timeout: 1s is below the minimum 1m0s",
				`config/webhook: scheme "ftp" not allowed; want https`,
			}, "\n")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, unknown, err := ParseCluster(tt.values)
			checkErr(t, err, tt.wantErr, "")
			if diff := cmp.Diff(tt.want, got, clusterCmp); diff != "" {
				t.Errorf("ParseCluster() mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantUnknown, unknown); diff != "" {
				t.Errorf("ParseCluster() unknown mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPackageAssetFor(t *testing.T) {
	tests := []struct {
		name    string
		pattern string
		version string
		want    string
	}{
		{name: "default", pattern: "*_{{version}}_amd64.deb", version: "2026.11.23-1",
			want: "*_2026.11.23-1_amd64.deb"},
		{name: "twice", pattern: "site_{{version}}_{{version}}.deb", version: "1.0~rc1",
			want: "site_1.0~rc1_1.0~rc1.deb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, err := ParseCluster(map[string]string{"package-asset": tt.pattern})
			if err != nil {
				t.Fatal(err)
			}
			if got := c.PackageAssetFor(model.MustParseVersion(tt.version)); got != tt.want {
				t.Errorf("PackageAssetFor() = %q; want %q", got, tt.want)
			}
		})
	}
}

func TestMaxAssetSize(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int64
		bad  bool
	}{
		{"", 4 << 30, false}, {"512MiB", 512 << 20, false}, {"8gib", 8 << 30, false}, {"1MiB", 1 << 20, false},
		{"1TiB", 1 << 40, false}, {"1000KiB", 0, true}, {"2TiB", 0, true}, {"lots", 0, true}, {"-1GiB", 0, true},
	} {
		c, _, err := ParseCluster(map[string]string{"max-asset-size": tt.in})
		switch {
		case tt.bad && err == nil:
			t.Errorf("max-asset-size %q accepted as %d", tt.in, c.MaxAssetSize)
		case !tt.bad && (err != nil || c.MaxAssetSize != tt.want):
			t.Errorf("max-asset-size %q = %d, %v; want %d", tt.in, c.MaxAssetSize, err, tt.want)
		}
	}
}

func TestCanaryKeys(t *testing.T) {
	for _, tt := range []struct {
		canary, soak string
		want         int
		wantSoak     time.Duration
		bad          bool
	}{
		{"", "", 0, 0, false}, {"1", "30m", 1, 30 * time.Minute, false}, {"1000", "24h", 1000, 24 * time.Hour, false},
		{"-1", "", 0, 0, true}, {"1001", "", 0, 0, true}, {"one", "", 0, 0, true}, {"1", "25h", 0, 0, true}, {"1", "-1s", 0, 0, true},
	} {
		c, _, err := ParseCluster(map[string]string{"canary": tt.canary, "canary-soak": tt.soak})
		switch {
		case tt.bad && err == nil:
			t.Errorf("canary %q soak %q accepted", tt.canary, tt.soak)
		case !tt.bad && (err != nil || c.Canary != tt.want || c.CanarySoak != tt.wantSoak):
			t.Errorf("canary %q soak %q = %d %s, %v", tt.canary, tt.soak, c.Canary, c.CanarySoak, err)
		}
	}
}
