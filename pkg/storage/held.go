package storage

import (
	"sync"

	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// heldValues are the values of the keys a WorkerSnapshot reads whose size
// grows with the site, status/current and the history entries (each lists
// every server), as the last snapshot read them. The next snapshot has
// etcd send a value again only when its mod revision moved: a worker
// makes a few rounds a step, and reading a thousand servers' list in each
// would make what it reads grow with the site. The values change a few
// times an update (start, pause, stop, end).
type heldValues struct {
	mu  sync.Mutex
	kvs map[string]*mvccpb.KeyValue
}

// heldRead is how one snapshot reads one held key: two ops of its
// transaction from index on, and the value held when they were made.
type heldRead struct {
	key   string
	index int
	held  *mvccpb.KeyValue
}

// read returns the read of key by the two ops it returns, to be placed
// at index of a transaction: the value only if it changed since the held
// one (any value when none is held), and how many keys it is (0 once
// deleted), since an unchanged value and a deleted key both read as no
// value.
func (h *heldValues) read(key string, index int) (heldRead, []clientv3.Op) {
	h.mu.Lock()
	held := h.kvs[key]
	h.mu.Unlock()
	var after int64
	if held != nil {
		after = held.ModRevision
	}
	return heldRead{key: key, index: index, held: held}, []clientv3.Op{
		clientv3.OpGet(key, clientv3.WithMinModRev(after+1)),
		clientv3.OpGet(key, clientv3.WithCountOnly()),
	}
}

// resolve returns the value of each read as of the transaction (nil when
// the key is absent), and holds those values, and only those, for the
// next snapshot.
func (h *heldValues) resolve(resp *clientv3.TxnResponse, reads []heldRead) []*mvccpb.KeyValue {
	out := make([]*mvccpb.KeyValue, len(reads))
	kept := make(map[string]*mvccpb.KeyValue, len(reads))
	for i, r := range reads {
		value := resp.Responses[r.index].GetResponseRange()
		count := resp.Responses[r.index+1].GetResponseRange().GetCount()
		switch {
		case len(value.GetKvs()) > 0:
			out[i] = value.Kvs[0]
		case count > 0:
			// Unchanged: with nothing held, any value would have come.
			out[i] = r.held
		}
		if out[i] != nil {
			kept[r.key] = out[i]
		}
	}
	h.mu.Lock()
	h.kvs = kept
	h.mu.Unlock()
	return out
}
