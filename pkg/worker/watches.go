package worker

import (
	"context"

	"github.com/necoship/neco/pkg/decide"
	"github.com/necoship/neco/pkg/storage"
)

// watches are the worker's etcd watches: the keys its decisions turn on,
// and, while it waits for a rolling turn, the one report it waits on.
// They start at the revision of a snapshot, so that nothing between the
// snapshot and the watch is missed.
//
// The worker watches neither the other servers' reports (but the one it
// waits on) nor its own, install/ or bootservers/: each of those changes
// N times a step, and a worker woken by every one of them would make a
// step cost N² events and snapshots.
type watches struct {
	store Store
	core  watch
	peer  watch
	// wait is what the peer watch waits on.
	wait decide.Wait
}

// watch is one WatchAll and the cancel that ends it; zero when closed.
type watch struct {
	events <-chan storage.WatchEvent
	cancel context.CancelFunc
}

func (w *watch) open(ctx context.Context, st Store, rev int64, targets ...storage.WatchTarget) {
	ctx, w.cancel = context.WithCancel(ctx)
	w.events = st.WatchAll(ctx, rev, targets...)
}

func (w *watch) close() {
	if w.cancel != nil {
		w.cancel()
	}
	*w = watch{}
}

// follow makes sure the watches cover what the decision made at revision
// rev needs: the core keys always, the awaited report while act waits on
// one.
func (ws *watches) follow(ctx context.Context, rev int64, act decide.WorkerAction) {
	if ws.core.events == nil {
		ws.core.open(ctx, ws.store, rev, ws.store.WorkerWatchTargets()...)
	}
	if act.Kind != decide.WorkerWait || act.Wait.LRN < 0 {
		ws.peer.close()
		return
	}
	if ws.peer.events != nil && ws.wait == *act.Wait {
		return
	}
	ws.peer.close()
	ws.wait = *act.Wait
	ws.peer.open(ctx, ws.store, rev, storage.WatchTarget{Key: ws.store.WorkerStatusKey(act.Wait.LRN)})
}

// closeAll ends every watch; the next follow opens them again.
func (ws *watches) closeAll() {
	ws.core.close()
	ws.peer.close()
}

// news reports whether ev may change the next decision: it is not stale
// (already in the snapshot of revision seen) and, from the peer watch,
// may end the wait. A closed or compacted watch is closed: the next
// round reads a new snapshot and follow watches again from it.
func (ws *watches) news(ev storage.WatchEvent, open bool, seen int64, peer bool) bool {
	switch {
	case !open || ev.Compacted:
		if peer {
			ws.peer.close()
		} else {
			ws.core.close()
		}
		return true
	case ev.Revision <= seen:
		return false
	case !peer:
		return true
	}
	if ev.Deleted {
		return ws.wait.Over(nil)
	}
	report, err := storage.DecodeWorkerStatus(ev.Value)
	if err != nil {
		return ws.wait.Over(nil)
	}
	return ws.wait.Over(&report)
}
