package storage

import (
	"context"
	"fmt"
	"strings"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// ElectionLeader returns the candidate name of the leader of the election
// under electionKey (LeaderUpdaterKey or LeaderWorkerKey): the value of its
// oldest key, as concurrency.Election decides. ErrNotFound when nobody
// campaigns. It is a read for `neco status`; pkg/leader runs elections.
func (s *Storage) ElectionLeader(ctx context.Context, electionKey string) (string, error) {
	if !strings.HasPrefix(electionKey, s.leaderPrefix()) || !strings.HasSuffix(electionKey, "/") {
		return "", fmt.Errorf("election %q: want a directory under %s: %w", electionKey, s.leaderPrefix(), ErrInvalid)
	}
	resp, err := s.client.Get(ctx, electionKey, clientv3.WithFirstCreate()...)
	if err != nil {
		return "", fmt.Errorf("get %s: %w", electionKey, err)
	}
	if len(resp.Kvs) == 0 {
		return "", fmt.Errorf("leader of %s: %w", electionKey, ErrNotFound)
	}
	return string(resp.Kvs[0].Value), nil
}
