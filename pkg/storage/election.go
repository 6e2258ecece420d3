package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/necoship/neco/pkg/leader"
)

// ElectionLeader returns the candidate name of the leader of the election
// under electionKey (LeaderUpdaterKey or LeaderWorkerKey), as pkg/leader
// reads it: keys without a lease are never leader. ErrNotFound when nobody
// campaigns. It is a read for `neco status`; pkg/leader runs elections.
func (s *Storage) ElectionLeader(ctx context.Context, electionKey string) (string, error) {
	if err := s.checkElection(electionKey); err != nil {
		return "", err
	}
	name, err := leader.Leader(ctx, s.client, electionKey)
	if errors.Is(err, leader.ErrNoLeader) {
		return "", fmt.Errorf("leader of %s: %w", electionKey, ErrNotFound)
	}
	return name, err
}

// LeaselessElectionKeys returns the full keys under electionKey that have
// no lease, oldest first; none is an empty slice. No candidate writes such
// a key and every candidate ignores it, so it is shown to operators (`neco
// status`) to delete: it was written by hand, or by someone who should not
// write there.
func (s *Storage) LeaselessElectionKeys(ctx context.Context, electionKey string) ([]string, error) {
	if err := s.checkElection(electionKey); err != nil {
		return nil, err
	}
	keys, err := leader.LeaselessKeys(ctx, s.client, electionKey)
	if err != nil {
		return nil, fmt.Errorf("election keys without a lease: %w", err)
	}
	return keys, nil
}

// checkElection refuses anything but an election directory of this prefix.
func (s *Storage) checkElection(electionKey string) error {
	if !strings.HasPrefix(electionKey, s.leaderPrefix()) || !strings.HasSuffix(electionKey, "/") {
		return fmt.Errorf("election %q: want a directory under %s: %w", electionKey, s.leaderPrefix(), ErrInvalid)
	}
	return nil
}
