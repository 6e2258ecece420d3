package leader

import (
	"context"
	"errors"
	"fmt"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// ErrNoLeader is returned by Leader when no candidate holds the election.
var ErrNoLeader = errors.New("leader: no leader elected")

// Leader returns the Name of the current leader of the election under key
// (the same key given to Options.Key). Any process may ask; it needs no
// session. The leader is the candidate whose key is oldest among the keys
// on a lease; keys without a lease are never leader (see keys.go).
func Leader(ctx context.Context, c *clientv3.Client, key string) (string, error) {
	prefix, err := electionPrefix(key)
	if err != nil {
		return "", err
	}
	keys, err := readKeys(ctx, c, prefix)
	if err != nil {
		return "", fmt.Errorf("get leader of %s: %w", key, err)
	}
	if len(keys.leased) == 0 {
		return "", fmt.Errorf("%s: %w", key, ErrNoLeader)
	}
	return string(keys.leased[0].Value), nil
}

// LeaselessKeys returns the keys without a lease under the election key,
// oldest first: keys no candidate wrote, which every candidate ignores.
// They are for an operator to see and delete.
func LeaselessKeys(ctx context.Context, c *clientv3.Client, key string) ([]string, error) {
	prefix, err := electionPrefix(key)
	if err != nil {
		return nil, err
	}
	keys, err := readKeys(ctx, c, prefix, clientv3.WithKeysOnly())
	if err != nil {
		return nil, fmt.Errorf("get election keys of %s: %w", key, err)
	}
	out := make([]string, 0, len(keys.leaseless))
	for _, kv := range keys.leaseless {
		out = append(out, string(kv.Key))
	}
	return out, nil
}
