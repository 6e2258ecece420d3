package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/necoship/neco/pkg/deb/debtest"
	"github.com/necoship/neco/pkg/mirror"
	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/plan"
)

// The sample site of `neco plan`: it completed fixVersion on servers 0, 1
// and 2; fixNewer is published with this plan. The README and
// docs/operations.md show the text this test expects.
const samplePlan = `version: 2026.11.24-1
debs:
  - {name: etcdpasswd, repo: cybozu-go/etcdpasswd, tag: v1.4.1, asset: etcdpasswd_1.4.1_amd64.deb, sha256: %s}
images:
  - {name: cke, ref: "registry.example/cybozu/cke:1.30.2@sha256:%s"}
  - {name: squid, ref: "registry.example/cybozu/squid:6.10@sha256:%s"}
services:
  - {unit: sabakan.service, strategy: anytime}
  - {unit: etcd.service, strategy: rolling, max-unavailable: 1, soak: 5m}
  - {unit: cke.service, images: [cke], strategy: stop-all}
once:
  - {name: migrate-sabakan, exec: [/usr/bin/sabactl, migrate], irreversible: true}
`

var (
	digestOld = strings.Repeat("1", 64)
	digestNew = strings.Repeat("2", 64)
	digestSq  = strings.Repeat("3", 64)
)

// planSite publishes both site packages to a mirror, seeds the site and
// returns the cluster. corrupt publishes fixNewer with a SHA256SUMS that
// does not match its package.
func planSite(t *testing.T, corrupt bool) (*cluster, *seeder) {
	t.Helper()
	debtest.NeedDpkg(t)
	c := newCluster(t)
	s := seed(c)
	mirrorDir, debDir := t.TempDir(), t.TempDir()
	for i, v := range []string{fixVersion.String(), fixNewer.String()} {
		pl := "version: " + v + "\n"
		if v == fixNewer.String() {
			pl = fmt.Sprintf(samplePlan, strings.Repeat("e", 64), digestNew, digestSq)
		}
		path := debtest.Build(t, debDir, debtest.Spec{Name: "example-site", Version: v, Files: map[string]string{
			strings.TrimPrefix(plan.DefaultPath, "/"): pl}})
		req := mirror.PublishRequest{Repo: "example/site", Tag: "release-" + v, Files: []string{path},
			PublishedAt: testNow.Add(time.Duration(i-2) * 24 * time.Hour)}
		if corrupt && v == fixNewer.String() {
			sums := filepath.Join(t.TempDir(), mirror.ChecksumsName)
			if err := os.WriteFile(sums, fmt.Appendf(nil, "%064x  %s\n", 1, filepath.Base(path)), 0o644); err != nil {
				t.Fatal(err)
			}
			req.Files = append(req.Files, sums)
		}
		if _, err := mirror.Publish(mirrorDir, req); err != nil {
			t.Fatal(err)
		}
	}
	s.raw("config/env", "production")
	s.raw("config/github-repo", "example/site")
	s.raw("config/github-api-url", serveMirror(t, mirrorDir))
	s.bootservers(0, 1, 2)
	u := model.Update{ID: 12, Version: fixVersion, Tag: "release-" + fixVersion.String(), Servers: []int{0, 1, 2},
		Reason: model.ReasonUpdate, StartedAt: fixStarted}
	s.json("status/current", u)
	s.json("history/00000000000000000012", model.HistoryEntry{ID: 12, Version: u.Version, Tag: u.Tag, Reason: u.Reason,
		Result: model.ResultCompleted, Servers: u.Servers, StartedAt: fixStarted, FinishedAt: fixStarted.Add(time.Minute)})
	ctx := context.Background()
	for lrn := range 3 {
		if err := c.store.PutInstalledDeb(ctx, lrn, "example-site", fixVersion); err != nil {
			t.Fatal(err)
		}
		if lrn == 2 {
			continue // joined later and never pulled the images
		}
		if err := c.store.PutInstalledDeb(ctx, lrn, "etcdpasswd", model.MustParseVersion("1.4.0")); err != nil {
			t.Fatal(err)
		}
		for name, d := range map[string]string{"cke": digestOld, "squid": digestSq} {
			if err := c.store.PutInstalledImage(ctx, lrn, name, "sha256:"+d); err != nil {
				t.Fatal(err)
			}
		}
	}
	return c, s
}

// atNewer completes update 13 to fixNewer after update 12.
func atNewer(s *seeder) {
	u := model.Update{ID: 13, Version: fixNewer, Tag: "release-" + fixNewer.String(), Servers: []int{0, 1, 2},
		Reason: model.ReasonUpdate, StartedAt: testNow.Add(-time.Hour)}
	s.json("status/current", u)
	s.json("history/00000000000000000013", model.HistoryEntry{ID: 13, Version: u.Version, Tag: u.Tag, Reason: u.Reason,
		Result: model.ResultCompleted, Servers: u.Servers, StartedAt: u.StartedAt, FinishedAt: u.StartedAt.Add(time.Minute)})
}

func TestPlanText(t *testing.T) {
	c, _ := planSite(t, false)
	out, errOut, code := c.run("plan")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want := `update:          2026.11.24-1 (release-2026.11.24-1) on servers 0,1,2
blocked by:      nothing: it starts at the updater's next decision

changes, by server:
  SERVERS  PACKAGE/IMAGE  FROM                 TO                   CHANGE   SOURCE
  0,1      example-site   2026.11.23-1         2026.11.24-1         upgrade  site package release-2026.11.24-1
  0,1      etcdpasswd     1.4.0                1.4.1                upgrade  cybozu-go/etcdpasswd v1.4.1
  0,1      image cke      sha256:111111111111  sha256:222222222222  replace  registry.example/cybozu/cke:1.30.2@sha256:` + digestNew + `
  0,1      image squid    sha256:333333333333  sha256:333333333333  same     registry.example/cybozu/squid:6.10@sha256:` + digestSq + `
  2        example-site   2026.11.23-1         2026.11.24-1         upgrade  site package release-2026.11.24-1
  2        etcdpasswd     -                    1.4.1                new      cybozu-go/etcdpasswd v1.4.1
  2        image cke      -                    sha256:222222222222  new      registry.example/cybozu/cke:1.30.2@sha256:` + digestNew + `
  2        image squid    -                    sha256:333333333333  new      registry.example/cybozu/squid:6.10@sha256:` + digestSq + `

steps, in order on every server:
  STEP  NAME                               WHO AND HOW
  0     prepare 2026.11.24-1               0,1,2: each on its own, once the step's barrier opens
  1     restart sabakan.service (anytime)  0,1,2: each on its own, once the step's barrier opens
  2     restart etcd.service (rolling)     rolling in LRN order 0 > 1 > 2, 1 at a time, each soaking 5m0s before the next
  3     stop cke.service (stop-all)        0,1,2: all stop; nobody starts before every server stopped
  4     start cke.service (stop-all)       0,1,2: all start
  5     once migrate-sabakan               once, on the worker leader; irreversible: a rollback past it needs --force
`
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("neco plan (-want +got):\n%s", diff)
	}
	// The documents show this output; they must not drift from it.
	for _, doc := range []string{"../../README.md", "../../docs/operations.md", "../../docs/cli.md"} {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "$ neco plan\n"+out+"```") {
			t.Errorf("%s does not show the output of neco plan for the sample site", doc)
		}
	}
}

func TestPlanBlockersAndErrors(t *testing.T) {
	type blocker struct{ Kind, Reason string }
	tests := []struct {
		name      string
		args      []string
		seed      func(s *seeder)
		corrupt   bool
		wantCode  int
		wantErr   string
		reason    string
		blockers  []blocker
		wantReady bool
	}{
		{name: "the channel's pick, nothing in the way", args: []string{"plan", "--json"},
			reason: "update", wantReady: true, blockers: []blocker{}},
		{name: "approval manual", args: []string{"plan", "--json"},
			seed:   func(s *seeder) { s.raw("config/approval", "manual") },
			reason: "update", blockers: []blocker{{"wait-approval", "waiting for approval of 2026.11.24-1"}}},
		{name: "held", args: []string{"plan", "--json", "2026.11.24-1"},
			seed: func(s *seeder) {
				s.json("policy/holds/2026.11.24-1", model.Hold{Version: fixNewer, Reason: "bad kernel", By: "ops", At: testNow})
			},
			reason: "update", blockers: []blocker{{"none", "latest release 2026.11.24-1 is held: bad kernel (neco unhold 2026.11.24-1)"}}},
		{name: "the version the site runs", args: []string{"plan", "--json", "2026.11.23-1"},
			reason: "update", blockers: []blocker{
				{"channel", "the updater takes only the newest release env production accepts, release-2026.11.24-1 now"},
				{"up-to-date", "up to date at 2026.11.23-1"}}},
		{name: "a running update comes first", args: []string{"plan", "--json"},
			seed: func(s *seeder) {
				if _, err := s.client.Delete(s.t.Context(), s.prefix+"history/00000000000000000012"); err != nil {
					s.t.Fatal(err)
				}
			},
			reason: "update", blockers: []blocker{{"running", "update 12 to 2026.11.23-1 is running; nothing else starts before it ends"}}},
		{name: "an older version is a rollback", args: []string{"plan", "--json", "2026.11.23-1"}, seed: atNewer,
			reason: "rollback", blockers: []blocker{{"rollback",
				"2026.11.23-1 is older than the site's version; only `neco rollback 2026.11.23-1` starts it"}}},
		{name: "a rollback past an irreversible step", args: []string{"plan", "--json", "2026.11.23-1"},
			seed:   both(atNewer, migrated("migrate-sabakan", fixNewer)),
			reason: "rollback", blockers: []blocker{{"rollback", "rolling back to 2026.11.23-1 would not undo irreversible " +
				"once-steps: migrate-sabakan (2026.11.24-1) (neco rollback --force overrides)"}}},
		{name: "an irreversible record that does not decode is named", args: []string{"plan", "--json", "2026.11.23-1"},
			seed:    both(atNewer, func(s *seeder) { s.raw("irreversible/2026.11.24-1/migrate-sabakan", "{") }),
			wantErr: "/irreversible/2026.11.24-1/migrate-sabakan does not decode (neco rollback refuses until it is fixed)",
			reason:  "rollback", blockers: []blocker{{"rollback",
				"2026.11.23-1 is older than the site's version; only `neco rollback 2026.11.23-1` starts it"}}},
		{name: "a requested rollback is planned by default", args: []string{"plan", "--json"},
			seed: both(atNewer, func(s *seeder) {
				s.json("request/rollback", model.RollbackRequest{Version: fixVersion, Tag: "release-2026.11.23-1", From: fixNewer,
					By: "alice@boot-test", At: testNow})
			}),
			reason: "rollback", wantReady: true, blockers: []blocker{}},
		{name: "an unknown version", args: []string{"plan", "2027.1.1-1"},
			wantCode: 1, wantErr: "no published release has version 2027.1.1-1"},
		{name: "a package that fails its checksum is refused", args: []string{"plan"}, corrupt: true,
			wantCode: 1, wantErr: "sha256"},
		{name: "not a version", args: []string{"plan", "latest!"},
			wantCode: 1, wantErr: "latest!"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, s := planSite(t, tt.corrupt)
			if tt.seed != nil {
				tt.seed(s)
			}
			out, errOut, code := c.run(tt.args...)
			if code != tt.wantCode || !strings.Contains(errOut, tt.wantErr) {
				t.Fatalf("exit %d, stderr %q; want exit %d and %q", code, errOut, tt.wantCode, tt.wantErr)
			}
			if code != 0 {
				return
			}
			var got struct {
				Reason   string
				Ready    bool
				Blockers []blocker
			}
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			if got.Reason != tt.reason || got.Ready != tt.wantReady {
				t.Errorf("reason %q ready %v, want %q %v", got.Reason, got.Ready, tt.reason, tt.wantReady)
			}
			if diff := cmp.Diff(tt.blockers, got.Blockers); diff != "" {
				t.Errorf("blockers (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPlanUpToDate: on a site that runs the channel's pick, neco plan says
// so in one line; --all prints the plan anyway.
func TestPlanUpToDate(t *testing.T) {
	c, s := planSite(t, false)
	atNewer(s)
	out, errOut, code := c.run("plan")
	want := "up to date: the site runs 2026.11.24-1 (release-2026.11.24-1) on servers 0,1,2 (neco plan --all shows its plan)\n"
	if code != 0 || out != want {
		t.Errorf("neco plan: exit %d, stdout %q, stderr %q; want %q", code, out, errOut, want)
	}
	out, errOut, code = c.run("plan", "--all")
	if code != 0 || !strings.Contains(out, "blocked by:      up-to-date: up to date at 2026.11.24-1") || !strings.Contains(out, "changes, by server:") {
		t.Errorf("neco plan --all: exit %d, stderr %q, stdout:\n%s", code, errOut, out)
	}
}
