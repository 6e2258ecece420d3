package updater

import (
	"fmt"

	"go.uber.org/zap"

	"github.com/necoship/neco/pkg/decide"
	"github.com/necoship/neco/pkg/metrics"
	"github.com/necoship/neco/pkg/model"
)

// condWaiting is the server_cond of a server that has not reported on the
// current update yet.
const condWaiting = "waiting"

// running returns the update in progress in snap; nil when none is (none
// yet, ended, or stopped).
func running(snap model.Snapshot) *model.Update {
	if cur := snap.Current; cur != nil && !cur.Stop && snap.Finished == nil {
		return cur
	}
	return nil
}

// roundLog is the logger of one round: every line written while an update
// runs carries its update_id, so `journalctl -o json | jq
// 'select(.update_id==7)'` shows the whole update.
func (c *Controller) roundLog(snap model.Snapshot) *zap.Logger {
	if cur := running(snap); cur != nil {
		return c.Log.With(zap.Int64(keyUpdateID, cur.ID))
	}
	return c.Log
}

// observe publishes the target version and each server's cond of snap.
func (c *Controller) observe(snap model.Snapshot) {
	cur := snap.Current
	if cur == nil {
		c.Metrics.Current("", "", 0, nil)
		return
	}
	servers := make([]metrics.ServerCond, 0, len(cur.Servers))
	for _, lrn := range cur.Servers {
		cond := condWaiting
		if w, ok := snap.Workers[lrn]; ok && w.ID == cur.ID {
			cond = string(w.Cond)
		}
		servers = append(servers, metrics.ServerCond{LRN: lrn, Cond: cond})
	}
	c.Metrics.Current(cur.Version.String(), cur.Tag, cur.ID, servers)
}

// statusLine is what `systemctl status neco-updater` shows while leading.
func statusLine(snap model.Snapshot, act decide.Action) string {
	cur := running(snap)
	if cur == nil || act.Kind == decide.ActionStartUpdate {
		return "leading: " + act.Reason
	}
	barrier := 0
	if b := snap.Barrier; b != nil && b.ID == cur.ID {
		barrier = b.Step
	}
	return fmt.Sprintf("leading update %d to %s, barrier %d: %s", cur.ID, cur.Version, barrier, act.Reason)
}
