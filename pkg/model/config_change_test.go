package model

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var changeAt = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

func goodChange() ConfigChange {
	return ConfigChange{ID: 7, Name: "env", Action: ConfigSet, Old: "test", New: "staging",
		ConfigAuthor: ConfigAuthor{By: "alice@boot-0", EtcdUser: "neco-operator-alice", At: changeAt}}
}

func TestConfigChangeValidate(t *testing.T) {
	secretSet := goodChange()
	secretSet.Name, secretSet.Secret, secretSet.Old, secretSet.New = "github-token", true, "", ""
	migrate := secretSet
	migrate.Action = ConfigMigrate
	unset := goodChange()
	unset.Action, unset.New = ConfigUnset, ""
	noEtcdUser := goodChange()
	noEtcdUser.EtcdUser = ""
	for name, c := range map[string]ConfigChange{
		"set": goodChange(), "secret set": secretSet, "migrate": migrate, "unset": unset, "no etcd user": noEtcdUser,
	} {
		if err := c.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}

	tests := map[string]func(*ConfigChange){
		"id 0: want > 0":                    func(c *ConfigChange) { c.ID = 0 },
		"id -1: want > 0":                   func(c *ConfigChange) { c.ID = -1 },
		`name "": want`:                     func(c *ConfigChange) { c.Name = "" },
		`name "a/b": want`:                  func(c *ConfigChange) { c.Name = "a/b" },
		`action "": want set, unset`:        func(c *ConfigChange) { c.Action = "" },
		`action "delete": want`:             func(c *ConfigChange) { c.Action = "delete" },
		"only secrets migrate":              func(c *ConfigChange) { c.Action = ConfigMigrate },
		"secret: old and new must be empty": func(c *ConfigChange) { c.Secret = true },
		"action unset: new must be empty":   func(c *ConfigChange) { c.Action = ConfigUnset },
		"by: empty":                         func(c *ConfigChange) { c.By = "" },
		"at: empty":                         func(c *ConfigChange) { c.At = time.Time{} },
	}
	for want, mod := range tests {
		c := goodChange()
		mod(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v", want, err)
		}
	}
}

// TestConfigChangeJSON pins the stored form: `neco config history --json`
// prints it, and older records must keep decoding.
func TestConfigChangeJSON(t *testing.T) {
	c := goodChange()
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":7,"name":"env","action":"set","secret":false,"old":"test","new":"staging",` +
		`"by":"alice@boot-0","etcd_user":"neco-operator-alice","at":"2026-11-23T09:00:00Z"}`
	if string(b) != want {
		t.Errorf("JSON\n got %s\nwant %s", b, want)
	}
	var got ConfigChange
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(c, got); diff != "" {
		t.Errorf("round trip (-want +got)\n%s", diff)
	}

	secret := ConfigChange{ID: 8, Name: "slack", Action: ConfigUnset, Secret: true,
		ConfigAuthor: ConfigAuthor{By: "bob@boot-1", At: changeAt}}
	b, err = json.Marshal(secret)
	if err != nil {
		t.Fatal(err)
	}
	want = `{"id":8,"name":"slack","action":"unset","secret":true,"by":"bob@boot-1","etcd_user":"","at":"2026-11-23T09:00:00Z"}`
	if string(b) != want {
		t.Errorf("secret JSON\n got %s\nwant %s", b, want)
	}
}
