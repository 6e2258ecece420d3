package storage

import (
	"context"
	"sync"
)

// WatchTarget is one key, or every key under a prefix, for WatchAll.
type WatchTarget struct {
	Key    string
	Prefix bool
}

// WatchAll is Watch over several targets at once, delivered on one
// channel. A worker needs a handful of keys, not the whole prefix: every
// key it does not watch is an event etcd need not send it, which is what
// keeps a step's cost linear in the number of servers.
//
// Each target's events come in revision order; events of different
// targets interleave in no fixed order. A Compacted event ends its
// target's watch only; the channel closes once every target's watch has
// ended, or ctx has.
func (s *Storage) WatchAll(ctx context.Context, afterRev int64, targets ...WatchTarget) <-chan WatchEvent {
	out := make(chan WatchEvent)
	var wg sync.WaitGroup
	for _, t := range targets {
		r := s.resumer(s.client, afterRev, t.Key, t.Prefix, out)
		wg.Go(func() { r.run(ctx) })
	}
	go func() {
		wg.Wait()
		close(out)
	}()
	return out
}
