package leader

import (
	"context"
	"sync"

	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// Only keys attached to a lease take part in an election. A candidate's
// key always is, and goes with its session; a key without a lease was
// written by hand (or by an attacker) and would never go, so it is never
// leader, is never waited for, and is reported instead.
//
// Such keys are ignored, not deleted. Deleting them would take an
// operator's key (and the evidence of who wrote it) away on the word of a
// daemon, and a writer that can put one can put it again, so deleting
// would only turn one log line into a loop. Ignored, the key is harmless;
// `neco status` lists it and the Elector logs it once, and an operator
// deletes it with etcdctl.

// electionKeys are the keys under an election prefix, oldest first.
type electionKeys struct {
	leased    []*mvccpb.KeyValue // candidates
	leaseless []*mvccpb.KeyValue // ignored
	revision  int64              // of the read
}

// readKeys reads the keys under prefix+"/" oldest first, with opts added.
func readKeys(ctx context.Context, c *clientv3.Client, prefix string, opts ...clientv3.OpOption) (electionKeys, error) {
	opts = append([]clientv3.OpOption{
		clientv3.WithPrefix(), clientv3.WithSort(clientv3.SortByCreateRevision, clientv3.SortAscend),
	}, opts...)
	resp, err := c.Get(ctx, prefix+"/", opts...)
	if err != nil {
		return electionKeys{}, err
	}
	out := electionKeys{revision: resp.Header.Revision}
	for _, kv := range resp.Kvs {
		if kv.Lease == 0 {
			out.leaseless = append(out.leaseless, kv)
		} else {
			out.leased = append(out.leased, kv)
		}
	}
	return out, nil
}

// maxLeaselessLogged caps the keys logged one by one per read, so that
// thousands of keys written at once cost a few lines, not thousands.
const maxLeaselessLogged = 10

// leaselessLog logs each lease-less key once, however many campaigns see
// it: a key that stays for months must not flood the log. It remembers the
// keys it has logged while they exist, so a key deleted and written again
// is logged again.
type leaselessLog struct {
	mu   sync.Mutex
	seen map[string]int64 // key -> create revision
}

// note logs the keys of kvs not logged yet. kvs is every lease-less key
// with a create revision up to maxRev, so a remembered key within that
// range but absent from kvs was deleted and is forgotten.
func (l *leaselessLog) note(log *zap.Logger, maxRev int64, kvs []*mvccpb.KeyValue) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := make(map[string]int64, len(kvs))
	for _, kv := range kvs {
		now[string(kv.Key)] = kv.CreateRevision
	}
	for k, rev := range l.seen {
		if rev <= maxRev && now[k] != rev {
			delete(l.seen, k)
		}
	}
	if l.seen == nil {
		l.seen = map[string]int64{}
	}
	logged, more := 0, 0
	for _, kv := range kvs {
		k := string(kv.Key)
		if l.seen[k] == kv.CreateRevision {
			continue
		}
		l.seen[k] = kv.CreateRevision
		if logged == maxLeaselessLogged {
			more++
			continue
		}
		logged++
		log.Warn("election key without a lease ignored: it can never be leader; delete it with etcdctl del",
			zap.String(fieldKey, k), zap.Int64(fieldRevision, kv.CreateRevision))
	}
	if more > 0 {
		log.Warn("more election keys without a lease ignored; neco status lists them", zap.Int(fieldCount, more))
	}
}
