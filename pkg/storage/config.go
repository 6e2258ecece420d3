package storage

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/necoship/neco/pkg/config"
	"github.com/necoship/neco/pkg/model"
)

// Cluster config values are stored raw, exactly as `neco config set` got
// them: validating them is pkg/config's job, and a value storage cannot
// parse must still be shown and replaceable.
//
// Secret values (config.IsSecret) live under secret/<name>, apart from
// config/, so that etcd roles can grant config/ to every boot server and
// each secret only to the roles that use it. An operator's role may write
// secret/ but not read it. A secret that an older neco stored under
// config/<name> still counts while secret/<name> is absent, until
// MigrateSecrets or the next set moves it.

// rawValue is a key as read: its value and the mod revision a
// compare-and-swap compares (0: the key is absent).
type rawValue struct {
	value string
	rev   int64
}

func (s *Storage) readRaw(ctx context.Context, key string) (rawValue, error) {
	resp, err := s.client.Get(ctx, key)
	if err != nil {
		return rawValue{}, fmt.Errorf("get %s: %w", key, err)
	}
	if len(resp.Kvs) == 0 {
		return rawValue{}, nil
	}
	return rawValue{value: string(resp.Kvs[0].Value), rev: resp.Kvs[0].ModRevision}, nil
}

// PutConfig sets config name to value and records the change by by in
// the same transaction. A secret goes to secret/<name>, and the
// transaction deletes a config/<name> left by an older neco. ErrConflict
// when other changes kept winning the race for the next record.
func (s *Storage) PutConfig(ctx context.Context, name, value string, by model.ConfigAuthor) error {
	if err := checkName(name); err != nil {
		return fmt.Errorf("put config: %w: %w", ErrInvalid, err)
	}
	_, _, err := s.commitConfigChange(ctx, by, func(ctx context.Context) (configTxn, error) {
		if config.IsSecret(name) {
			// No compare on secret/<name>: an operator may not read it, and
			// the last write wins anyway.
			return configTxn{
				change: model.ConfigChange{Name: name, Action: model.ConfigSet, Secret: true},
				ops:    []clientv3.Op{clientv3.OpPut(s.SecretKey(name), value), clientv3.OpDelete(s.ConfigKey(name))},
			}, nil
		}
		key := s.ConfigKey(name)
		old, err := s.readRaw(ctx, key)
		if err != nil {
			return configTxn{}, err
		}
		return configTxn{
			change: model.ConfigChange{Name: name, Action: model.ConfigSet,
				Old: config.Redact(name, old.value), New: config.Redact(name, value)},
			cmps: casModRev(key, old.rev),
			ops:  []clientv3.Op{clientv3.OpPut(key, value)},
		}, nil
	})
	if err != nil {
		return fmt.Errorf("put config %s: %w", name, err)
	}
	return nil
}

// DeleteConfig unsets config name and records the change by by in the
// same transaction; ErrNotFound when it was not set. For a secret both
// secret/<name> and a legacy config/<name> go.
//
// An operator who may not read secret/<name> cannot learn beforehand
// whether it is set: the transaction then deletes blindly, and when the
// deletes removed nothing, the record it wrote describes no change and
// is deleted again (guarded by its revision) before ErrNotFound returns.
func (s *Storage) DeleteConfig(ctx context.Context, name string, by model.ConfigAuthor) error {
	if err := checkName(name); err != nil {
		return fmt.Errorf("delete config: %w: %w", ErrInvalid, err)
	}
	plan := s.unsetConfigTxn(name)
	if config.IsSecret(name) {
		plan = s.unsetSecretTxn(name)
	}
	resp, c, err := s.commitConfigChange(ctx, by, plan)
	if err != nil {
		return fmt.Errorf("delete config %s: %w", name, err)
	}
	if deletedCount(resp) > 0 {
		return nil
	}
	if err := s.retractConfigChange(ctx, c.ID, resp.Header.Revision); err != nil {
		return fmt.Errorf("delete config %s: %w; removing the record of no change %s: %w",
			name, ErrNotFound, s.ConfigAuditKey(c.ID), err)
	}
	return fmt.Errorf("delete config %s: %w", name, ErrNotFound)
}

func (s *Storage) unsetConfigTxn(name string) func(context.Context) (configTxn, error) {
	return func(ctx context.Context) (configTxn, error) {
		key := s.ConfigKey(name)
		old, err := s.readRaw(ctx, key)
		if err != nil {
			return configTxn{}, err
		}
		if old.rev == 0 {
			return configTxn{}, fmt.Errorf("get %s: %w", key, ErrNotFound)
		}
		return configTxn{
			change: model.ConfigChange{Name: name, Action: model.ConfigUnset, Old: config.Redact(name, old.value)},
			cmps:   casModRev(key, old.rev),
			ops:    []clientv3.Op{clientv3.OpDelete(key)},
		}, nil
	}
}

func (s *Storage) unsetSecretTxn(name string) func(context.Context) (configTxn, error) {
	return func(ctx context.Context) (configTxn, error) {
		legacyKey, key := s.ConfigKey(name), s.SecretKey(name)
		legacy, err := s.readRaw(ctx, legacyKey)
		if err != nil {
			return configTxn{}, err
		}
		t := configTxn{
			change: model.ConfigChange{Name: name, Action: model.ConfigUnset, Secret: true},
			cmps:   casModRev(legacyKey, legacy.rev),
			ops:    []clientv3.Op{clientv3.OpDelete(key), clientv3.OpDelete(legacyKey)},
		}
		cur, err := s.readRaw(ctx, key)
		switch {
		case IsPermissionDenied(err):
			return t, nil // deleted blindly: see DeleteConfig
		case err != nil:
			return configTxn{}, err
		case cur.rev == 0 && legacy.rev == 0:
			return configTxn{}, fmt.Errorf("get %s: %w", key, ErrNotFound)
		}
		t.cmps = append(t.cmps, casModRev(key, cur.rev)...)
		return t, nil
	}
}

// GetConfig returns config name; ErrNotFound when it is unset. For a
// secret this etcd user may not read, the error is etcd's refusal
// (IsPermissionDenied): whether it is set is unknown to this caller.
func (s *Storage) GetConfig(ctx context.Context, name string) (string, error) {
	if err := checkName(name); err != nil {
		return "", fmt.Errorf("get config: %w: %w", ErrInvalid, err)
	}
	if config.IsSecret(name) {
		key := s.SecretKey(name)
		v, err := s.readRaw(ctx, key)
		switch {
		case err != nil:
			return "", err
		case v.rev != 0:
			return v.value, nil
		}
		// Absent: a value an older neco stored under config/ still counts.
	}
	key := s.ConfigKey(name)
	v, err := s.readRaw(ctx, key)
	switch {
	case err != nil:
		return "", err
	case v.rev == 0:
		return "", fmt.Errorf("get %s: %w", key, ErrNotFound)
	}
	return v.value, nil
}

// ConfigList is the cluster config as one etcd user can read it.
type ConfigList struct {
	// Values holds every value that is set and readable, by name: the
	// keys of config/ and the secrets (from secret/, else from a legacy
	// config/<name>).
	Values map[string]string
	// Unreadable names the secrets of config.Keys this etcd user may not
	// read, in registry order: each may be set or not. Values holds none
	// of them, not even a legacy config/<name>, since a secret/<name> it
	// cannot see would override it.
	Unreadable []string
}

// ListConfig returns the config as this etcd user can read it. Keys with
// a name storage would not write (empty or nested) are left out, as in
// Snapshot, which reports them.
func (s *Storage) ListConfig(ctx context.Context) (ConfigList, error) {
	dir := s.ConfigPrefix()
	resp, err := s.client.Get(ctx, dir, clientv3.WithPrefix())
	if err != nil {
		return ConfigList{}, fmt.Errorf("get %s: %w", dir, err)
	}
	list := ConfigList{Values: make(map[string]string, len(resp.Kvs))}
	legacy := map[string]string{}
	for _, kv := range resp.Kvs {
		name := strings.TrimPrefix(string(kv.Key), dir)
		switch {
		case checkName(name) != nil:
		case config.IsSecret(name):
			legacy[name] = string(kv.Value)
		default:
			list.Values[name] = string(kv.Value)
		}
	}
	// At config/'s revision, so that a migration in between can neither
	// hide a secret nor show it twice.
	secrets, unreadable, err := s.readSecrets(ctx, resp.Header.Revision)
	if err != nil {
		return ConfigList{}, err
	}
	for name, v := range legacy {
		if _, ok := secrets[name]; !ok && !slices.Contains(unreadable, name) {
			list.Values[name] = v
		}
	}
	maps.Copy(list.Values, secrets)
	list.Unreadable = unreadable
	return list, nil
}

// readSecrets reads secret/ at rev: the whole prefix when this etcd user
// may, else each secret of the registry alone, since a role may grant
// some secrets and not others (a boot server reads github-asset-token
// only). It returns the values found and the secrets refused.
func (s *Storage) readSecrets(ctx context.Context, rev int64) (map[string]string, []string, error) {
	dir := s.SecretPrefix()
	resp, err := s.client.Get(ctx, dir, clientv3.WithPrefix(), clientv3.WithRev(rev))
	if err == nil {
		out := make(map[string]string, len(resp.Kvs))
		for _, kv := range resp.Kvs {
			if name := strings.TrimPrefix(string(kv.Key), dir); checkName(name) == nil {
				out[name] = string(kv.Value)
			}
		}
		return out, nil, nil
	}
	if !IsPermissionDenied(err) {
		return nil, nil, fmt.Errorf("get %s: %w", dir, err)
	}
	out := map[string]string{}
	var unreadable []string
	for _, k := range config.Keys() {
		if !k.Secret {
			continue
		}
		v, found, err := s.readSecret(ctx, k.Name, rev)
		switch {
		case IsPermissionDenied(err):
			unreadable = append(unreadable, k.Name)
		case err != nil:
			return nil, nil, err
		case found:
			out[k.Name] = v
		}
	}
	return out, unreadable, nil
}

// MigrateSecrets moves every secret an older neco stored under
// config/<name> to secret/<name>, each in one transaction with its
// record (action migrate); when secret/<name> already exists, it is newer
// and wins, and the legacy key is only deleted. It returns the names whose
// legacy key it removed; a second run returns none. `neco auth setup`
// runs it as etcd's root: without reading secret/<name> the move would
// overwrite a newer value or lose the only one. A secret it may not read is left for them, named in the error
// (IsPermissionDenied), and does not stop the others.
func (s *Storage) MigrateSecrets(ctx context.Context, by model.ConfigAuthor) ([]string, error) {
	dir := s.ConfigPrefix()
	resp, err := s.client.Get(ctx, dir, clientv3.WithPrefix(), clientv3.WithKeysOnly())
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", dir, err)
	}
	var (
		moved []string
		errs  []error
	)
	for _, kv := range resp.Kvs {
		name := strings.TrimPrefix(string(kv.Key), dir)
		if checkName(name) != nil || !config.IsSecret(name) {
			continue
		}
		_, _, err := s.commitConfigChange(ctx, by, s.migrateSecretTxn(name))
		switch {
		case errors.Is(err, ErrNotFound):
			// Moved or unset by another process since the listing.
		case err != nil:
			errs = append(errs, fmt.Errorf("migrate %s: %w", name, err))
		default:
			moved = append(moved, name)
		}
	}
	return moved, errors.Join(errs...)
}

func (s *Storage) migrateSecretTxn(name string) func(context.Context) (configTxn, error) {
	return func(ctx context.Context) (configTxn, error) {
		legacyKey, key := s.ConfigKey(name), s.SecretKey(name)
		legacy, err := s.readRaw(ctx, legacyKey)
		if err != nil {
			return configTxn{}, err
		}
		if legacy.rev == 0 {
			return configTxn{}, fmt.Errorf("get %s: %w", legacyKey, ErrNotFound)
		}
		cur, err := s.readRaw(ctx, key)
		if err != nil {
			return configTxn{}, err // permission denied: see MigrateSecrets
		}
		t := configTxn{
			change: model.ConfigChange{Name: name, Action: model.ConfigMigrate, Secret: true},
			cmps:   append(casModRev(legacyKey, legacy.rev), casModRev(key, cur.rev)...),
			ops:    []clientv3.Op{clientv3.OpDelete(legacyKey)},
		}
		if cur.rev == 0 {
			t.ops = append(t.ops, clientv3.OpPut(key, legacy.value))
		}
		return t, nil
	}
}
