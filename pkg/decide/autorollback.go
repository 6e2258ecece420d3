package decide

import (
	"fmt"
	"strings"

	"github.com/necoship/neco/pkg/model"
)

// autoBy is who requests an automatic rollback, in the request, its hold
// and the acts of the rollback update.
const autoBy = "neco-updater"

// autoRollback decides what on-failure rollback makes of the stopped,
// failed update cur: a rollback to the release the site ran before it, on
// the servers it changed, with the failed version held; or, when that is
// not safe or not possible, the stop, saying why not.
func autoRollback(in UpdaterInput, cur model.Update, fin model.HistoryEntry, stopped string) Action {
	why := fmt.Sprintf("update %d to %s %s", cur.ID, cur.Version, resultWords(fin.Result))
	if fin.Message != "" {
		why += ": " + fin.Message
	}
	var changed []int
	for _, p := range participantsOf(in.Snapshot) {
		if p.report != nil {
			changed = append(changed, p.lrn)
		}
	}
	var not string
	switch irr := in.Snapshot.Irreversible; {
	case cur.Reason == model.ReasonRollback:
		// Never a rollback of a rollback: that would loop.
		not = "the failed update was itself a rollback"
	case cur.From.IsZero() || cur.FromTag == "":
		not = "no earlier release completed on this site"
	case len(irr) > 0:
		not = fmt.Sprintf("irreversible once-steps started for %s (%s); check by hand, then `neco recover` or `neco rollback --force`",
			cur.Version, ListRuns(irr))
	case len(changed) == 0:
		not = "no server had started it"
	}
	if not != "" {
		return Action{Kind: ActionStopped, Reason: stopped + "; no automatic rollback: " + not}
	}
	req := model.RollbackRequest{Version: cur.From, Tag: cur.FromTag, From: cur.Version, By: autoBy, At: in.Now,
		Servers: changed, Automatic: why}
	hold := model.Hold{Version: cur.Version, Reason: "rolled back automatically: " + why, By: autoBy, At: in.Now}
	return Action{Kind: ActionRequestRollback, Rollback: &req, Hold: &hold, Reason: fmt.Sprintf(
		"%s; rolling servers %s back to %s automatically (on-failure rollback)", why, lrnList(changed), cur.From)}
}

// autoMarker introduces why in the detail of an automatic rollback's act.
const autoMarker = "; automatic (on-failure rollback): "

// AutomaticRollback is why u was started as an automatic rollback, "" for
// any other update: notifications say it ("rolled back automatically").
func AutomaticRollback(u model.Update) string {
	for _, a := range u.Acts {
		if a.Act != model.ActRollback || a.By != autoBy {
			continue
		}
		if _, why, ok := strings.Cut(a.Detail, autoMarker); ok {
			return why
		}
	}
	return ""
}
