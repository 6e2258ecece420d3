package access

import (
	"context"
	"fmt"
	"github.com/google/go-cmp/cmp"
	"path/filepath"
	"slices"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/necoship/neco/pkg/config"
	"github.com/necoship/neco/pkg/etcdconn"
	"github.com/necoship/neco/pkg/etcdmember"
	"github.com/necoship/neco/pkg/etcdtest"
	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/storage"
)

// authSite is a real etcd member with client-certificate auth, set up by
// Apply and with auth enabled; as returns a client acting as an etcd user.
type authSite struct {
	t     *testing.T
	local config.Local
	root  *clientv3.Client
	st    *storage.Storage
}

func newAuthSite(t *testing.T, lrns []int, p Principals) *authSite {
	t.Helper()
	l := etcdtest.EmbeddedLocal(t)
	m, err := etcdmember.StartMember(t.Context(), l.DataDir, l.Etcd, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	root, err := etcdconn.Dial(t.Context(), l, etcdconn.DialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	s := &authSite{t: t, local: l, root: root, st: storage.New(root, l.Etcd.Prefix)}
	ctx := testContext(t)
	for _, lrn := range lrns {
		if err := s.st.PutBootserver(ctx, model.Bootserver{LRN: lrn, Hostname: fmt.Sprintf("boot-%d", lrn), JoinedAt: time.Now().UTC().Truncate(time.Second)}); err != nil {
			t.Fatal(err)
		}
	}
	for k, v := range map[string]string{
		s.st.ConfigKey("env"):                  "staging",
		s.st.SecretKey("github-token"):         "ghp_updater",
		s.st.SecretKey("github-asset-token"):   "ghp_assets",
		s.st.SecretKey("registry-credentials"): "r.example: {username: u, password: p}",
		s.st.SecretKey("slack"):                "https://hooks.invalid/slack",
		s.st.WorkerStatusKey(2):                "{}",
		s.st.LeaderUpdaterKey() + "leaseless":  "x",
	} {
		if _, err := root.Put(ctx, k, v); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Apply(ctx, root.Auth, Roles(s.st, lrns, p), false); err != nil {
		t.Fatal(err)
	}
	if _, err := root.AuthEnable(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

// as dials the member with a certificate whose common name is user, as
// etcdconn.Dial does for neco's daemons and CLI: its probe reads one key.
func (s *authSite) as(user string) (*clientv3.Client, error) {
	s.t.Helper()
	dir := s.t.TempDir()
	cert, key, err := etcdconn.IssueClient(s.local.DataDir, user, dir, time.Now())
	if err != nil {
		s.t.Fatal(err)
	}
	l := s.local
	l.Etcd.TLSCAFile = filepath.Join(etcdconn.PKIDir(l.DataDir), "ca.crt")
	l.Etcd.TLSCertFile, l.Etcd.TLSKeyFile = cert, key
	c, err := etcdconn.Dial(testContext(s.t), l, etcdconn.DialOptions{})
	if err != nil {
		return nil, err
	}
	s.t.Cleanup(func() { c.Close() })
	return c, nil
}

func (s *authSite) mustAs(user string) *clientv3.Client {
	s.t.Helper()
	c, err := s.as(user)
	if err != nil {
		s.t.Fatalf("dial as %s: %v", user, err)
	}
	return c
}

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// request is one etcd request a principal might make.
type request struct {
	name string
	do   func(ctx context.Context, c *clientv3.Client) error
}

func put(key string) request {
	return request{"put " + key, func(ctx context.Context, c *clientv3.Client) error {
		_, err := c.Put(ctx, key, "{}")
		return err
	}}
}

func get(key string) request {
	return request{"get " + key, func(ctx context.Context, c *clientv3.Client) error {
		_, err := c.Get(ctx, key)
		return err
	}}
}

func getPrefix(key string) request {
	return request{"get prefix " + key, func(ctx context.Context, c *clientv3.Client) error {
		_, err := c.Get(ctx, key, clientv3.WithPrefix())
		return err
	}}
}

func del(key string) request {
	return request{"delete " + key, func(ctx context.Context, c *clientv3.Client) error {
		_, err := c.Delete(ctx, key)
		return err
	}}
}

// TestRolesOnRealEtcd: each principal's requests on a real etcd with auth
// on; what a role does not grant fails with etcd's permission denied.
func TestRolesOnRealEtcd(t *testing.T) {
	site := newAuthSite(t, []int{1, 2}, Principals{Operators: []string{"alice"}, Readers: []string{"viewer"}})
	st := site.st
	everyoneReads := []request{get(st.Prefix()), get(st.StatusCurrentKey()), get(st.StatusTurnsKey()), getPrefix(st.ConfigPrefix()),
		getPrefix(st.WorkerStatusPrefix()), getPrefix(st.BootserverPrefix()), getPrefix(st.HistoryPrefix()),
		getPrefix(st.LeaderUpdaterKey()), getPrefix(st.ConfigAuditPrefix())}
	noSecrets := []request{get(st.SecretKey("github-token")), get(st.SecretKey("slack")),
		getPrefix(st.SecretPrefix()), getPrefix(st.Prefix())}
	// What only the workers and the updaters read: a boot server pulls
	// images with it, an operator sets it without reading it back.
	registryCredentials := get(st.SecretKey("registry-credentials"))
	v := model.MustParseVersion("2026.11.23-1")
	tests := []struct {
		user            string
		allowed, denied []request
	}{
		{WorkerUser(1),
			append(everyoneReads, put(st.WorkerStatusKey(1)), put(st.InstallDebKey(1, "neco")),
				put(st.InstallImageKey(1, "etcd")), put(st.LeaderWorkerKey()+"abc"), put(st.ContentKey("upload")),
				put(st.IrreversibleKey(v, "migrate")), get(st.SecretKey("github-asset-token")), registryCredentials),
			append(noSecrets, put(st.WorkerStatusKey(2)), del(st.WorkerStatusKey(2)), put(st.InstallDebKey(2, "neco")),
				put(st.StatusCurrentKey()), put(st.StatusBarrierKey()), put(st.StatusTurnsKey()), put(st.ConfigKey("env")),
				put(st.ConfigKey("github-api-url")), del(st.ConfigKey("env")), put(st.SecretKey("github-token")),
				put(st.PinKey()), put(st.RollbackRequestKey()), put(st.BootserverKey(3)), put(st.HistoryKey(9)),
				put(st.InfoCandidateKey()), put(st.LeaderUpdaterKey()+"abc"), del(st.LeaderUpdaterKey()+"leaseless"),
				put(st.ConfigAuditKey(1)), put(st.CheckRequestKey()), put(st.CheckAnswerKey())),
		},
		{UpdaterUser(2),
			append(everyoneReads, get(st.SecretKey("github-token")), get(st.SecretKey("slack")),
				getPrefix(st.SecretPrefix()), getPrefix(st.Prefix()), put(st.StatusCurrentKey()),
				put(st.StatusBarrierKey()), put(st.StatusTurnsKey()), put(st.HistoryKey(9)), put(st.InfoCandidateKey()), registryCredentials,
				put(st.InfoCheckKey()), put(st.LeaderUpdaterKey()+"abc"), del(st.RollbackRequestKey()),
				put(st.CheckRequestKey()), del(st.CheckRequestKey()), put(st.CheckAnswerKey())),
			[]request{put(st.ConfigKey("env")), put(st.SecretKey("github-token")), put(st.WorkerStatusKey(2)),
				put(st.BootserverKey(3)), put(st.PinKey()), put(st.ContentKey("upload")),
				put(st.LeaderWorkerKey() + "abc"), put(st.ConfigAuditKey(1))},
		},
		{"alice",
			append(everyoneReads, put(st.ConfigKey("env")), del(st.ConfigKey("proxy")),
				put(st.SecretKey("github-token")), put(st.SecretKey("registry-credentials")), put(st.ConfigAuditKey(1)),
				put(st.PinKey()), put(st.HoldKey(v)),
				put(st.RollbackRequestKey()), put(st.StatusCurrentKey()), put(st.InfoCandidateKey()),
				put(st.BootserverKey(3)), del(st.BootserverKey(3)), put(st.HistoryKey(9)), put(st.CheckRequestKey())),
			append(noSecrets, registryCredentials, put(st.StatusBarrierKey()), put(st.StatusTurnsKey()), put(st.WorkerStatusKey(1)),
				put(st.LeaderUpdaterKey()+"abc"), put(st.InfoCheckKey()), put(st.ContentKey("upload")),
				put(st.CheckAnswerKey())),
		},
		{"viewer",
			everyoneReads,
			append(noSecrets, registryCredentials, put(st.ConfigKey("env")), put(st.StatusCurrentKey()), put(st.StatusTurnsKey()), put(st.WorkerStatusKey(1)),
				put(st.PinKey()), put(st.ConfigAuditKey(1)), put(st.CheckRequestKey())),
		},
	}
	for _, tt := range tests {
		t.Run(tt.user, func(t *testing.T) {
			c := site.mustAs(tt.user)
			for _, r := range tt.allowed {
				if err := r.do(testContext(t), c); err != nil {
					t.Errorf("%s: %v, want it allowed", r.name, err)
				}
			}
			for _, r := range tt.denied {
				if err := r.do(testContext(t), c); !storage.IsPermissionDenied(err) {
					t.Errorf("%s: %v, want permission denied", r.name, err)
				}
			}
		})
	}
	t.Run("unknown user", func(t *testing.T) {
		if _, err := site.as("mallory"); !storage.IsPermissionDenied(err) {
			t.Errorf("dial with a certificate of no etcd user: %v, want permission denied", err)
		}
	})
}

// TestSnapshotsUnderAuth: each daemon's snapshot works with its role and
// holds the secrets that role grants, no others.
func TestSnapshotsUnderAuth(t *testing.T) {
	site := newAuthSite(t, []int{1}, Principals{Readers: []string{"viewer"}})
	ctx := testContext(t)
	updater := storage.New(site.mustAs(UpdaterUser(1)), site.local.Etcd.Prefix).WithSecrets(config.UpdaterSecrets()...)
	reader := storage.New(site.mustAs("viewer"), site.local.Etcd.Prefix)

	workerClient := site.mustAs(WorkerUser(1))
	worker := storage.New(workerClient, site.local.Etcd.Prefix).WithSecrets(config.WorkerSecrets()...)
	for round := range 2 {
		gets := &recordingKV{KV: workerClient.KV}
		workerClient.KV = gets
		ws, err := worker.WorkerSnapshot(ctx, storage.WorkerView{LRN: 1})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"env": "staging", "github-asset-token": "ghp_assets",
			"registry-credentials": "r.example: {username: u, password: p}"}
		if diff := cmp.Diff(want, ws.Config); diff != "" {
			t.Errorf("worker snapshot %d config (-want +got):\n%s", round, diff)
		}
		// The refused github-token is asked for once, not on every round.
		asked := slices.Contains(gets.keys, site.st.SecretKey("github-token"))
		if asked != (round == 0) {
			t.Errorf("worker snapshot %d asked for github-token: %v", round, asked)
		}
		workerClient.KV = gets.KV
	}
	us, err := updater.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"env": "staging", "github-token": "ghp_updater", "slack": "https://hooks.invalid/slack"}
	if diff := cmp.Diff(want, us.Config); diff != "" {
		t.Errorf("updater snapshot config (-want +got):\n%s", diff)
	}
	rs, err := reader.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"env": "staging"}, rs.Config); diff != "" {
		t.Errorf("status snapshot config (-want +got):\n%s", diff)
	}
}

// TestApplyIsIdempotentAndPrunes: a second Apply changes nothing; after a
// server leaves, Apply deletes its users and role, and its certificate no
// longer reaches etcd.
func TestApplyIsIdempotentAndPrunes(t *testing.T) {
	site := newAuthSite(t, []int{1, 2}, Principals{Operators: []string{"alice"}})
	ctx := testContext(t)
	changes, err := Apply(ctx, site.root.Auth, Roles(site.st, []int{1, 2}, Principals{Operators: []string{"alice"}}), false)
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 0 {
		t.Errorf("second Apply changed %v, want nothing", changes)
	}
	// A hand-made grant on a server's role and user is taken back.
	if _, err := site.root.RoleGrantPermission(ctx, ServerRole(1), site.st.StatusCurrentKey(), "", clientv3.PermissionType(clientv3.PermWrite)); err != nil {
		t.Fatal(err)
	}
	if _, err := site.root.UserGrantRole(ctx, WorkerUser(1), RoleUpdater); err != nil {
		t.Fatal(err)
	}
	plan := Roles(site.st, []int{1}, Principals{})
	dry, err := Apply(ctx, site.root.Auth, plan, true)
	if err != nil {
		t.Fatal(err)
	}
	changes, err = Apply(ctx, site.root.Auth, plan, false)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"role neco-server-1: revoke write /neco/status/current",
		"user neco-worker-1: revoke role neco-updater",
		"user neco-updater-2: delete (no such server is registered)",
		"user neco-worker-2: delete (no such server is registered)",
		"role neco-server-2: delete (no such server is registered)",
	}
	if diff := cmp.Diff(want, changeLines(changes)); diff != "" {
		t.Errorf("Apply after server 2 left (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(changeLines(changes), changeLines(dry)); diff != "" {
		t.Errorf("dry run differs from the run (-run +dry):\n%s", diff)
	}
	if _, err := site.as(WorkerUser(2)); !storage.IsPermissionDenied(err) {
		t.Errorf("server 2's worker after it left: %v, want permission denied", err)
	}
	if _, err := site.as("alice"); err != nil {
		t.Errorf("an operator not named again keeps her user: %v", err)
	}
}

func changeLines(cs []Change) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.String()
	}
	return out
}

// recordingKV records the keys of the Gets made through it.
type recordingKV struct {
	clientv3.KV
	keys []string
}

func (r *recordingKV) Get(ctx context.Context, key string, opts ...clientv3.OpOption) (*clientv3.GetResponse, error) {
	r.keys = append(r.keys, key)
	return r.KV.Get(ctx, key, opts...)
}
