package model

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ConfigAction names what a config change did to its key.
type ConfigAction string

// The actions a ConfigChange records.
const (
	// ConfigSet: `neco config set` stored a value.
	ConfigSet ConfigAction = "set"
	// ConfigUnset: `neco config unset` deleted the key.
	ConfigUnset ConfigAction = "unset"
	// ConfigMigrate: a secret stored by an older neco under config/<name>
	// was moved to secret/<name> (or dropped, when secret/<name> already
	// held a newer value).
	ConfigMigrate ConfigAction = "migrate"
)

// ConfigAuthor is who changed the cluster config, and when. The CLI fills
// it for an operator; neco-updater for the migration it runs at start.
type ConfigAuthor struct {
	// By is USER@host of the CLI (SUDO_USER or USER), or the daemon and
	// its host.
	By string `json:"by"`
	// EtcdUser is the etcd user the change was made as (the common name of
	// the client certificate), "" on a site without etcd auth. By is what
	// the operator claims; EtcdUser is what etcd enforced.
	EtcdUser string `json:"etcd_user"`
	// At is UTC, to the second.
	At time.Time `json:"at"`
}

// ConfigChange records one change of a cluster config key (key
// audit/config/<id>), written in the etcd transaction that makes the
// change, so that the record exists exactly when the change does.
//
// Old and New never hold a secret, nor anything derived from one (no
// hash, no length: a short token's hash is a dictionary away from the
// token), and they are always empty when Secret is set. Non-secret values
// are stored as config.Redact shows them (a proxy URL's password masked):
// storage masks them before writing, because model cannot import config.
type ConfigChange struct {
	// ID numbers the changes of a site from 1, in commit order.
	ID     int64        `json:"id"`
	Name   string       `json:"name"`
	Action ConfigAction `json:"action"`
	Secret bool         `json:"secret"`
	// Old is the value replaced, New the value stored; "" (omitted) when
	// the key was or became unset, and for every secret.
	Old string `json:"old,omitempty"`
	New string `json:"new,omitempty"`
	ConfigAuthor
}

// Validate checks a change about to be recorded or read back.
func (c ConfigChange) Validate() error {
	var errs []error
	if c.ID <= 0 {
		errs = append(errs, fmt.Errorf("id %d: want > 0", c.ID))
	}
	if c.Name == "" || strings.Contains(c.Name, "/") {
		errs = append(errs, fmt.Errorf("name %q: want non-empty, without /", c.Name))
	}
	switch c.Action {
	case ConfigSet, ConfigUnset:
	case ConfigMigrate:
		if !c.Secret {
			errs = append(errs, errors.New("action migrate: only secrets migrate"))
		}
	default:
		errs = append(errs, fmt.Errorf("action %q: want set, unset or migrate", c.Action))
	}
	if c.Secret && (c.Old != "" || c.New != "") {
		errs = append(errs, errors.New("secret: old and new must be empty"))
	}
	if c.Action == ConfigUnset && c.New != "" {
		errs = append(errs, errors.New("action unset: new must be empty"))
	}
	if c.By == "" {
		errs = append(errs, errors.New("by: empty"))
	}
	if c.At.IsZero() {
		errs = append(errs, errors.New("at: empty"))
	}
	return errors.Join(errs...)
}
