package cli

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/necoship/neco/pkg/etcdtest"
	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/storage"
)

// operatorCluster is a cluster on an etcd of its own with auth enabled,
// reached as etcd user alice of role neco-operator: config/ and
// audit/config/ read-write, secret/ write-only. root is a client that
// may read everything. The shared test server cannot enable auth without
// failing every other test.
func operatorCluster(t *testing.T) (c *cluster, root *clientv3.Client) {
	t.Helper()
	srv, err := etcdtest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	prefix := etcdtest.Prefix(t)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	admin := srv.Client(t)
	if _, err := admin.RoleAdd(ctx, "neco-operator"); err != nil {
		t.Fatal(err)
	}
	for dir, perm := range map[string]clientv3.PermissionType{
		"config/": clientv3.PermissionType(clientv3.PermReadWrite), "audit/config/": clientv3.PermissionType(clientv3.PermReadWrite),
		"secret/": clientv3.PermissionType(clientv3.PermWrite),
	} {
		if _, err := admin.RoleGrantPermission(ctx, "neco-operator", prefix+dir, clientv3.GetPrefixRangeEnd(prefix+dir), perm); err != nil {
			t.Fatal(err)
		}
	}
	for user, role := range map[string]string{"root": "root", "alice": "neco-operator"} {
		if _, err := admin.UserAdd(ctx, user, user+"-pw"); err != nil {
			t.Fatal(err)
		}
		if _, err := admin.UserGrantRole(ctx, user, role); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := admin.AuthEnable(ctx); err != nil {
		t.Fatal(err)
	}
	as := func(user string) *clientv3.Client {
		c, err := clientv3.New(clientv3.Config{Endpoints: []string{srv.Endpoint}, DialTimeout: 5 * time.Second,
			Username: user, Password: user + "-pw", Logger: zap.NewNop()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	return &cluster{t: t, store: storage.New(as("alice"), prefix)}, as("root")
}

// TestConfigSecretsUnreadable: an operator sets and unsets secrets it may
// not read; get and list say so instead of calling them unset.
func TestConfigSecretsUnreadable(t *testing.T) {
	c, root := operatorCluster(t)
	c.env = localConfig(t, "alice")
	c.stdin = "ghp_unreadable\n"
	if out, errOut, code := c.run("config", "set", "github-token"); code != 0 || out != "github-token set\n" {
		t.Fatalf("set: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	resp, err := root.Get(t.Context(), c.store.SecretKey("github-token"))
	if err != nil || len(resp.Kvs) != 1 || string(resp.Kvs[0].Value) != "ghp_unreadable" {
		t.Fatalf("secret/github-token: %v, %v", resp, err)
	}

	out, errOut, code := c.run("config", "get", "github-token", "--show")
	wantErr := "neco: github-token: not readable with these etcd credentials (etcd grants each secret only to the roles that use it)\n"
	if code != 1 || out != "" || errOut != wantErr {
		t.Errorf("get: exit %d, stdout %q, stderr %q; want 1, \"\", %q", code, out, errOut, wantErr)
	}
	out, errOut, code = c.run("config", "list")
	if code != 0 || errOut != "" {
		t.Fatalf("list: exit %d: %s", code, errOut)
	}
	rows := tableRows(t, out)
	for _, name := range []string{"github-token", "slack"} {
		want := []string{name, "?", "-", "not readable with these etcd credentials"}
		if diff := cmp.Diff(want, rows[name]); diff != "" {
			t.Errorf("list row %s (-want +got)\n%s\n%s", name, diff, out)
		}
	}

	// Unset by alice, who cannot read it: the deletes tell whether it was
	// set, and an unset of nothing records nothing.
	for _, step := range []struct{ name, out string }{
		{"github-token", "github-token unset; no default\n"},
		{"slack", "slack was not set; no default\n"},
	} {
		if out, errOut, code := c.run("config", "unset", step.name); code != 0 || out != step.out {
			t.Errorf("unset %s: exit %d, stdout %q, stderr %q; want %q", step.name, code, out, errOut, step.out)
		}
	}
	want := []model.ConfigChange{
		historyChange(1, "github-token", model.ConfigSet, true, "", "", "alice"),
		historyChange(2, "github-token", model.ConfigUnset, true, "", "", "alice"),
	}
	if diff := cmp.Diff(want, configHistoryJSON(t, c)); diff != "" {
		t.Errorf("history (-want +got)\n%s", diff)
	}
	if strings.Contains(out+errOut, "ghp_") {
		t.Errorf("output shows the secret: %q %q", out, errOut)
	}
}
