package storage

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/necoship/neco/pkg/model"
)

// testAuthor is the author of the config changes of the tests.
var testAuthor = model.ConfigAuthor{By: "alice@boot-0", EtcdUser: "neco-operator-alice", At: t0}

// change is the record of a config change by testAuthor.
func change(id int64, name string, action model.ConfigAction, secret bool, old, new string) model.ConfigChange {
	return model.ConfigChange{ID: id, Name: name, Action: action, Secret: secret, Old: old, New: new, ConfigAuthor: testAuthor}
}

// configChanges lists every record, failing the test on an invalid one.
func configChanges(t *testing.T, s *Storage) []model.ConfigChange {
	t.Helper()
	changes, invalid, err := s.ListConfigChanges(testContext(t), "")
	if err != nil || len(invalid) != 0 {
		t.Fatalf("list config changes: invalid %v, %v", invalid, err)
	}
	return changes
}

// rawKeys returns every key under the storage prefix with its value,
// keyed by name relative to the prefix.
func rawKeys(t *testing.T, s *Storage, c *clientv3.Client) map[string]string {
	t.Helper()
	resp, err := c.Get(t.Context(), s.Prefix(), clientv3.WithPrefix())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, kv := range resp.Kvs {
		out[strings.TrimPrefix(string(kv.Key), s.Prefix())] = string(kv.Value)
	}
	return out
}

func TestConfigChangesRecorded(t *testing.T) {
	s, _ := newStorage(t)
	ctx := testContext(t)
	bob := model.ConfigAuthor{By: "bob@boot-1", At: time.Date(2026, 11, 23, 10, 0, 0, 999, time.FixedZone("JST", 9*3600))}
	steps := []struct {
		name, value string
		by          model.ConfigAuthor
	}{
		{"env", "staging", testAuthor},
		{"env", "production", bob},
		{"proxy", "http://u:pw@proxy.example:3128", testAuthor},
		{"proxy", "http://proxy.example:3128", testAuthor},
	}
	for _, st := range steps {
		if err := s.PutConfig(ctx, st.name, st.value, st.by); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeleteConfig(ctx, "env", testAuthor); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteConfig(ctx, "env", testAuthor); !errors.Is(err, ErrNotFound) {
		t.Errorf("second unset: err = %v, want ErrNotFound", err)
	}
	bobChange := change(2, "env", model.ConfigSet, false, "staging", "production")
	// Stored in UTC to the second, whatever the caller's clock gave.
	bobChange.ConfigAuthor = model.ConfigAuthor{By: "bob@boot-1", At: time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC)}
	want := []model.ConfigChange{
		change(1, "env", model.ConfigSet, false, "", "staging"),
		bobChange,
		// A URL's password never reaches the record.
		change(3, "proxy", model.ConfigSet, false, "", "http://u:xxxxx@proxy.example:3128"),
		change(4, "proxy", model.ConfigSet, false, "http://u:xxxxx@proxy.example:3128", "http://proxy.example:3128"),
		change(5, "env", model.ConfigUnset, false, "production", ""),
	}
	if diff := cmp.Diff(want, configChanges(t, s)); diff != "" {
		t.Errorf("records (-want +got)\n%s", diff)
	}
	got, invalid, err := s.ListConfigChanges(ctx, "proxy")
	if err != nil || len(invalid) != 0 {
		t.Fatal(invalid, err)
	}
	if diff := cmp.Diff(want[2:4], got); diff != "" {
		t.Errorf("records of proxy (-want +got)\n%s", diff)
	}
	if err := s.PutConfig(ctx, "env", "dev", model.ConfigAuthor{At: t0}); !errors.Is(err, ErrInvalid) {
		t.Errorf("no author: err = %v, want ErrInvalid", err)
	}
}

func TestConfigSecretStoredApart(t *testing.T) {
	s, c := newStorage(t)
	ctx := testContext(t)
	const secret = "ghp_s3cr3t-never-elsewhere"
	putRaw(t, s, c, map[string]string{"config/github-token": "ghp_legacy", "config/env": "staging"})
	if v, err := s.GetConfig(ctx, "github-token"); err != nil || v != "ghp_legacy" {
		t.Errorf("legacy secret: %q, %v; want it while secret/ has none", v, err)
	}
	if err := s.PutConfig(ctx, "github-token", secret, testAuthor); err != nil {
		t.Fatal(err)
	}
	wantRaw := map[string]string{
		"config/env":          "staging",
		"secret/github-token": secret,
		"audit/config/00000000000000000001": mustEncode(t,
			change(1, "github-token", model.ConfigSet, true, "", "")),
	}
	if diff := cmp.Diff(wantRaw, rawKeys(t, s, c)); diff != "" {
		t.Errorf("keys after set (-want +got)\n%s", diff)
	}
	if v, err := s.GetConfig(ctx, "github-token"); err != nil || v != secret {
		t.Errorf("get: %q, %v", v, err)
	}
	list, err := s.ListConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantList := ConfigList{Values: map[string]string{"env": "staging", "github-token": secret}}
	if diff := cmp.Diff(wantList, list); diff != "" {
		t.Errorf("list (-want +got)\n%s", diff)
	}

	if err := s.DeleteConfig(ctx, "github-token", testAuthor); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteConfig(ctx, "github-token", testAuthor); !errors.Is(err, ErrNotFound) {
		t.Errorf("second unset: err = %v, want ErrNotFound", err)
	}
	if _, err := s.GetConfig(ctx, "github-token"); !errors.Is(err, ErrNotFound) {
		t.Errorf("get after unset: err = %v, want ErrNotFound", err)
	}
	for k, v := range rawKeys(t, s, c) {
		if strings.Contains(k+v, secret) || strings.Contains(k+v, "ghp_") {
			t.Errorf("%s holds the secret: %s", k, v)
		}
	}
	want := []model.ConfigChange{
		change(1, "github-token", model.ConfigSet, true, "", ""),
		change(2, "github-token", model.ConfigUnset, true, "", ""),
	}
	if diff := cmp.Diff(want, configChanges(t, s)); diff != "" {
		t.Errorf("records (-want +got)\n%s", diff)
	}
}

func TestConfigUnsetLegacySecret(t *testing.T) {
	s, c := newStorage(t)
	putRaw(t, s, c, map[string]string{"config/slack": "https://hooks.slack.com/services/T/B/X"})
	if err := s.DeleteConfig(testContext(t), "slack", testAuthor); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"audit/config/00000000000000000001": mustEncode(t,
		change(1, "slack", model.ConfigUnset, true, "", ""))}
	if diff := cmp.Diff(want, rawKeys(t, s, c)); diff != "" {
		t.Errorf("keys (-want +got)\n%s", diff)
	}
}

func TestMigrateSecrets(t *testing.T) {
	s, c := newStorage(t)
	ctx := testContext(t)
	putRaw(t, s, c, map[string]string{
		"config/github-token": "ghp_old",
		"config/slack":        "https://hooks.slack.com/old",
		"secret/slack":        "https://hooks.slack.com/new",
		"config/env":          "staging",
		"config/future-key":   "1",
	})
	moved, err := s.MigrateSecrets(ctx, testAuthor)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"github-token", "slack"}, moved); diff != "" {
		t.Errorf("moved (-want +got)\n%s", diff)
	}
	want := map[string]string{
		"config/env":          "staging",
		"config/future-key":   "1",
		"secret/github-token": "ghp_old",
		// secret/ was newer than the legacy key: it wins.
		"secret/slack": "https://hooks.slack.com/new",
		"audit/config/00000000000000000001": mustEncode(t,
			change(1, "github-token", model.ConfigMigrate, true, "", "")),
		"audit/config/00000000000000000002": mustEncode(t,
			change(2, "slack", model.ConfigMigrate, true, "", "")),
	}
	if diff := cmp.Diff(want, rawKeys(t, s, c)); diff != "" {
		t.Errorf("keys (-want +got)\n%s", diff)
	}
	moved, err = s.MigrateSecrets(ctx, testAuthor)
	if err != nil || len(moved) != 0 {
		t.Errorf("second run: moved %v, %v; want none", moved, err)
	}
	if diff := cmp.Diff(want, rawKeys(t, s, c)); diff != "" {
		t.Errorf("keys after the second run (-want +got)\n%s", diff)
	}
}
