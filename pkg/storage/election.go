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
// reads it. ErrNotFound when nobody campaigns. It is a read for `neco
// status`; pkg/leader runs elections.
func (s *Storage) ElectionLeader(ctx context.Context, electionKey string) (string, error) {
	if !strings.HasPrefix(electionKey, s.leaderPrefix()) || !strings.HasSuffix(electionKey, "/") {
		return "", fmt.Errorf("election %q: want a directory under %s: %w", electionKey, s.leaderPrefix(), ErrInvalid)
	}
	name, err := leader.Leader(ctx, s.client, electionKey)
	if errors.Is(err, leader.ErrNoLeader) {
		return "", fmt.Errorf("leader of %s: %w", electionKey, ErrNotFound)
	}
	return name, err
}
