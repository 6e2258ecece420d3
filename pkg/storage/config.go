package storage

import (
	"context"
	"fmt"
	"strings"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// Cluster config values are stored raw, exactly as `neco config set` got
// them: validating them is pkg/config's job, and a value storage cannot
// parse must still be shown and replaceable.

// PutConfig sets config name to value.
func (s *Storage) PutConfig(ctx context.Context, name, value string) error {
	if err := checkName(name); err != nil {
		return fmt.Errorf("put config: %w: %w", ErrInvalid, err)
	}
	return s.put(ctx, s.ConfigKey(name), value)
}

// GetConfig returns config name; ErrNotFound when it is unset.
func (s *Storage) GetConfig(ctx context.Context, name string) (string, error) {
	if err := checkName(name); err != nil {
		return "", fmt.Errorf("get config: %w: %w", ErrInvalid, err)
	}
	key := s.ConfigKey(name)
	resp, err := s.client.Get(ctx, key)
	if err != nil {
		return "", fmt.Errorf("get %s: %w", key, err)
	}
	if len(resp.Kvs) == 0 {
		return "", fmt.Errorf("get %s: %w", key, ErrNotFound)
	}
	return string(resp.Kvs[0].Value), nil
}

// ListConfig returns every config value that is set, by name. Keys with a
// name storage would not write (empty or nested) are left out, as in
// Snapshot, which reports them.
func (s *Storage) ListConfig(ctx context.Context) (map[string]string, error) {
	dir := s.ConfigPrefix()
	resp, err := s.client.Get(ctx, dir, clientv3.WithPrefix())
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", dir, err)
	}
	out := make(map[string]string, len(resp.Kvs))
	for _, kv := range resp.Kvs {
		name := strings.TrimPrefix(string(kv.Key), dir)
		if checkName(name) == nil {
			out[name] = string(kv.Value)
		}
	}
	return out, nil
}

// DeleteConfig unsets config name; ErrNotFound when it was not set.
func (s *Storage) DeleteConfig(ctx context.Context, name string) error {
	if err := checkName(name); err != nil {
		return fmt.Errorf("delete config: %w: %w", ErrInvalid, err)
	}
	return s.deleteOne(ctx, s.ConfigKey(name))
}
