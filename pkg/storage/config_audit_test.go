package storage

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/necoship/neco/pkg/etcdtest"
	"github.com/necoship/neco/pkg/model"
)

// TestConfigConcurrentSetsChain sets one key from two goroutines. Each
// writes fewer values than configAttempts, so a set can lose at most that
// many races to the other and every set must succeed.
func TestConfigConcurrentSetsChain(t *testing.T) {
	s, _ := newStorage(t)
	ctx := testContext(t)
	const perWriter = configAttempts - 1
	var wg sync.WaitGroup
	errs := make(chan error, 2*perWriter)
	for w := range 2 {
		wg.Go(func() {
			for i := range perWriter {
				errs <- s.PutConfig(ctx, "github-repo", fmt.Sprintf("site/w%d-%d", w, i), testAuthor)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	changes := configChanges(t, s)
	if len(changes) != 2*perWriter {
		t.Fatalf("%d records, want %d: %+v", len(changes), 2*perWriter, changes)
	}
	prev := ""
	for i, c := range changes {
		if c.ID != int64(i+1) || c.Old != prev {
			t.Errorf("record %d: id %d old %q; want id %d old %q (the previous new)", i, c.ID, c.Old, i+1, prev)
		}
		prev = c.New
	}
	if v, err := s.GetConfig(ctx, "github-repo"); err != nil || v != prev {
		t.Errorf("stored %q, %v; want the last record's new %q", v, err, prev)
	}
}

func TestListConfigChangesInvalid(t *testing.T) {
	s, c := newStorage(t)
	ctx := testContext(t)
	leaked := change(4, "github-token", model.ConfigSet, true, "ghp_x", "")
	putRaw(t, s, c, map[string]string{
		"audit/config/00000000000000000001": mustEncode(t, change(1, "env", model.ConfigSet, false, "", "dev")),
		"audit/config/00000000000000000002": "{",
		"audit/config/00000000000000000003": mustJSON(change(7, "env", model.ConfigUnset, false, "dev", "")),
		"audit/config/00000000000000000004": mustJSON(leaked),
		"audit/config/5":                    mustJSON(change(5, "env", model.ConfigUnset, false, "dev", "")),
	})
	changes, invalid, err := s.ListConfigChanges(ctx, "env")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]model.ConfigChange{change(1, "env", model.ConfigSet, false, "", "dev")}, changes); diff != "" {
		t.Errorf("changes (-want +got)\n%s", diff)
	}
	dir := "audit/config/"
	wantInvalid := []string{dir + "00000000000000000002", dir + "00000000000000000003",
		dir + "00000000000000000004", dir + "5"}
	for i := range wantInvalid {
		wantInvalid[i] = s.Prefix() + wantInvalid[i]
	}
	if diff := cmp.Diff(wantInvalid, invalidKeys(invalid)); diff != "" {
		t.Errorf("invalid keys (-want +got)\n%s", diff)
	}
	// Garbage at a canonical key still takes its id; a key of no canonical
	// shape takes none.
	if err := s.PutConfig(ctx, "env", "staging", testAuthor); err != nil {
		t.Fatal(err)
	}
	changes, _, err = s.ListConfigChanges(ctx, "env")
	if err != nil || len(changes) != 2 || changes[1].ID != 5 {
		t.Errorf("after a set: %+v, %v; want a second record with id 5", changes, err)
	}
}

// authSite is an etcd of its own with auth enabled, for the roles of
// issue 19: neco-operator may read and write config/ and audit/config/
// but only write secret/; neco-updater may read secret/github-token. The
// shared test server cannot enable auth without failing every other test.
type authSite struct {
	prefix string
	srv    *etcdtest.Server
}

func newAuthSite(t *testing.T) authSite {
	t.Helper()
	srv, err := etcdtest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	a := authSite{prefix: etcdtest.Prefix(t), srv: srv}
	c, ctx := srv.Client(t), testContext(t)
	rw, w, r := clientv3.PermissionType(clientv3.PermReadWrite), clientv3.PermissionType(clientv3.PermWrite),
		clientv3.PermissionType(clientv3.PermRead)
	grants := []struct {
		role, key string
		perm      clientv3.PermissionType
	}{
		{"neco-operator", a.prefix + "config/", rw},
		{"neco-operator", a.prefix + "audit/config/", rw},
		{"neco-operator", a.prefix + "secret/", w},
		{"neco-updater", a.prefix + "config/", rw},
		{"neco-updater", a.prefix + "audit/config/", rw},
		{"neco-updater", a.prefix + "secret/github-token", r},
	}
	for _, role := range []string{"neco-operator", "neco-updater"} {
		if _, err := c.RoleAdd(ctx, role); err != nil {
			t.Fatal(err)
		}
	}
	for _, g := range grants {
		end := clientv3.GetPrefixRangeEnd(g.key)
		if g.key[len(g.key)-1] != '/' {
			end = ""
		}
		if _, err := c.RoleGrantPermission(ctx, g.role, g.key, end, g.perm); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range []struct{ user, role string }{{"root", "root"}, {"alice", "neco-operator"}, {"updater", "neco-updater"}} {
		if _, err := c.UserAdd(ctx, u.user, u.user+"-pw"); err != nil {
			t.Fatal(err)
		}
		if _, err := c.UserGrantRole(ctx, u.user, u.role); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.AuthEnable(ctx); err != nil {
		t.Fatal(err)
	}
	return a
}

// as returns the site's Storage for an etcd user.
func (a authSite) as(t *testing.T, user string) *Storage {
	t.Helper()
	c, err := clientv3.New(clientv3.Config{Endpoints: []string{a.srv.Endpoint}, DialTimeout: 5 * time.Second,
		Username: user, Password: user + "-pw", Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return New(c, a.prefix)
}

func TestConfigUnderEtcdAuth(t *testing.T) {
	site := newAuthSite(t)
	root, alice, updater := site.as(t, "root"), site.as(t, "alice"), site.as(t, "updater")
	ctx := testContext(t)
	putRaw(t, root, root.client, map[string]string{"config/webhook": "https://hooks.example/legacy"})
	for _, kv := range [][2]string{{"env", "staging"}, {"github-token", "ghp_x"}} {
		if err := alice.PutConfig(ctx, kv[0], kv[1], testAuthor); err != nil {
			t.Fatalf("operator sets %s: %v", kv[0], err)
		}
	}
	if _, err := alice.GetConfig(ctx, "github-token"); !IsPermissionDenied(err) {
		t.Errorf("operator gets a secret: err = %v, want permission denied", err)
	}
	list, err := alice.ListConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := ConfigList{Values: map[string]string{"env": "staging"},
		Unreadable: []string{"github-token", "github-asset-token", "registry-credentials", "slack", "webhook", "github-webhook-secret"}}
	if diff := cmp.Diff(want, list); diff != "" {
		t.Errorf("operator's list (-want +got)\n%s", diff)
	}
	list, err = updater.ListConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want = ConfigList{Values: map[string]string{"env": "staging", "github-token": "ghp_x"},
		Unreadable: []string{"github-asset-token", "registry-credentials", "slack", "webhook", "github-webhook-secret"}}
	if diff := cmp.Diff(want, list); diff != "" {
		t.Errorf("updater's list (-want +got)\n%s", diff)
	}

	// Unsetting a secret the operator cannot read: only the deletes say
	// whether it was set, and a no-op leaves no record.
	if err := alice.DeleteConfig(ctx, "slack", testAuthor); !errors.Is(err, ErrNotFound) {
		t.Errorf("unset of an unset secret: err = %v, want ErrNotFound", err)
	}
	if err := alice.DeleteConfig(ctx, "github-token", testAuthor); err != nil {
		t.Errorf("unset of a set secret: %v", err)
	}
	// The operator may not read secret/webhook: the legacy key stays.
	if moved, err := alice.MigrateSecrets(ctx, testAuthor); !IsPermissionDenied(err) || len(moved) != 0 {
		t.Errorf("operator migrates: moved %v, err %v; want none and permission denied", moved, err)
	}
	wantChanges := []model.ConfigChange{
		change(1, "env", model.ConfigSet, false, "", "staging"),
		change(2, "github-token", model.ConfigSet, true, "", ""),
		change(3, "github-token", model.ConfigUnset, true, "", ""),
	}
	if diff := cmp.Diff(wantChanges, configChanges(t, alice)); diff != "" {
		t.Errorf("records (-want +got)\n%s", diff)
	}
	wantRaw := map[string]string{"config/env": "staging", "config/webhook": "https://hooks.example/legacy"}
	for _, c := range wantChanges {
		wantRaw[fmt.Sprintf("audit/config/%020d", c.ID)] = mustEncode(t, c)
	}
	if diff := cmp.Diff(wantRaw, rawKeys(t, root, root.client)); diff != "" {
		t.Errorf("keys (-want +got)\n%s", diff)
	}
}

// FuzzParseConfigAuditKey: a key parses only in the form ConfigAuditKey
// writes, so that key order stays id order, and every id > 0 round-trips.
func FuzzParseConfigAuditKey(f *testing.F) {
	for _, rest := range []string{"00000000000000000001", "1", "-0000000000000000001", "+0000000000000000001",
		"00000000000000000000", "09223372036854775807", "99999999999999999999", "0000000000000000001x", ""} {
		f.Add(rest, int64(7))
	}
	s := New(nil, "/neco/")
	f.Fuzz(func(t *testing.T, rest string, id int64) {
		key := s.ConfigAuditPrefix() + rest
		if got, err := s.parseConfigAuditKey(key); err == nil && (got <= 0 || s.ConfigAuditKey(got) != key) {
			t.Errorf("%q parsed as %d, which ConfigAuditKey writes as %q", key, got, s.ConfigAuditKey(got))
		}
		if id <= 0 {
			return
		}
		if got, err := s.parseConfigAuditKey(s.ConfigAuditKey(id)); err != nil || got != id {
			t.Errorf("id %d: parsed %d, %v", id, got, err)
		}
	})
}
