package worker

import (
	"context"

	"github.com/necoship/neco/pkg/decide"
	"github.com/necoship/neco/pkg/storage"
)

// watches are the worker's etcd watches: the keys its decisions turn on,
// and, while it waits for its rolling turn, the turns record.
// They start at the revision of a snapshot, so that nothing between the
// snapshot and the watch is missed.
//
// The worker watches neither the servers' reports, its own or the
// others', nor install/ or bootservers/: each of those changes N times a
// step, and a worker woken by every one of them would make a step cost N²
// events and snapshots. The turns record changes many times in a rolling
// step too, so only a server waiting on it watches it, and only a record
// that may open its turn wakes it.
type watches struct {
	store Store
	core  watch
	turns watch
	// wait is what the turns watch waits on.
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
// rev needs: the core keys always, the turns record while act waits on
// it.
func (ws *watches) follow(ctx context.Context, rev int64, act decide.WorkerAction) {
	if ws.core.events == nil {
		ws.core.open(ctx, ws.store, rev, ws.store.WorkerWatchTargets()...)
	}
	if act.Kind != decide.WorkerWait || !act.Wait.OnTurns() {
		ws.turns.close()
		return
	}
	ws.wait = *act.Wait
	if ws.turns.events == nil {
		ws.turns.open(ctx, ws.store, rev, storage.WatchTarget{Key: ws.store.StatusTurnsKey()})
	}
}

// closeAll ends every watch; the next follow opens them again.
func (ws *watches) closeAll() {
	ws.core.close()
	ws.turns.close()
}

// news reports whether ev may change the next decision: it is not stale
// (already in the snapshot of revision seen) and, from the turns watch,
// may end the wait. A closed or compacted watch is closed: the next
// round reads a new snapshot and follow watches again from it.
func (ws *watches) news(ev storage.WatchEvent, open bool, seen int64, turns bool) bool {
	switch {
	case !open || ev.Compacted:
		if turns {
			ws.turns.close()
		} else {
			ws.core.close()
		}
		return true
	case ev.Revision <= seen:
		return false
	case !turns:
		return true
	}
	if ev.Deleted {
		return ws.wait.Over(nil)
	}
	t, err := storage.DecodeTurns(ev.Value)
	if err != nil {
		return ws.wait.Over(nil)
	}
	return ws.wait.Over(&t)
}
