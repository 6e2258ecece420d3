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
// session. The leader is the candidate whose key is oldest, as in
// concurrency.Election.Leader.
func Leader(ctx context.Context, c *clientv3.Client, key string) (string, error) {
	prefix, err := electionPrefix(key)
	if err != nil {
		return "", err
	}
	resp, err := c.Get(ctx, prefix+"/", clientv3.WithFirstCreate()...)
	if err != nil {
		return "", fmt.Errorf("get leader of %s: %w", key, err)
	}
	if len(resp.Kvs) == 0 {
		return "", fmt.Errorf("%s: %w", key, ErrNoLeader)
	}
	return string(resp.Kvs[0].Value), nil
}
