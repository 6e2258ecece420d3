package etcdconn

import (
	"context"
	"errors"
	"fmt"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// ErrNoLeader is what Dial reports when members answer but none knows a
// leader: a majority of the cluster is down or cut off, and nothing can
// be read or written until it is back.
var ErrNoLeader = errors.New("etcdconn: etcd has no leader")

// statusTimeout bounds the status question to one endpoint: a member that
// runs answers it from memory, without its peers.
const statusTimeout = 2 * time.Second

// diagnose says why a read through c found no answer, when the members
// can tell: some answer but none knows a leader (quorum lost). It returns
// nil when it learns nothing more (no member answers at all, or one knows
// a leader and the read was merely slow).
func diagnose(ctx context.Context, c *clientv3.Client, endpoints []string) error {
	answering := 0
	for _, ep := range endpoints {
		sctx, cancel := context.WithTimeout(ctx, statusTimeout)
		st, err := c.Status(sctx, ep)
		cancel()
		if err != nil {
			continue
		}
		if st.Leader != 0 {
			return nil
		}
		answering++
	}
	if answering == 0 {
		return nil
	}
	return fmt.Errorf("%w: %d of %d endpoints answer and none knows a leader; a majority of the members is down or cut off (quorum lost), and neco waits for it",
		ErrNoLeader, answering, len(endpoints))
}
