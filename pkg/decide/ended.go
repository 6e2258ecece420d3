package decide

import (
	"fmt"
	"slices"
	"time"

	"github.com/necoship/neco/pkg/config"
	"github.com/necoship/neco/pkg/model"
)

// decideStopped handles a current update with Stop set. Stop is the
// operator's brake: workers stop at once and the updater starts nothing
// until `neco recover` clears it, whatever the release or the config says.
func decideStopped(in UpdaterInput) Action {
	cur, fin := *in.Snapshot.Current, in.Snapshot.Finished
	if fin == nil {
		// Stop without a history entry: `neco update abort`, or an updater
		// that lost its leadership between the two writes. The entry is
		// what `neco history` and a retry after recover go by.
		msg := "stopped before it ended"
		reason := fmt.Sprintf("update %d to %s was stopped before it ended; recording it as aborted", cur.ID, cur.Version)
		return endUpdate(ActionAbort, cur, model.ResultAborted, msg, in.Now, reason)
	}
	reason := fmt.Sprintf("stopped: update %d to %s %s", cur.ID, cur.Version, resultWords(fin.Result))
	if fin.Message != "" {
		reason += " (" + fin.Message + ")"
	}
	reason += "; nothing starts until `neco recover`"
	if in.Config.OnFailure == config.OnFailureRollback && fin.Result != model.ResultCompleted {
		return autoRollback(in, cur, *fin, reason)
	}
	return Action{Kind: ActionStopped, Reason: reason}
}

// endUpdate builds the action that ends cur with result: the history entry,
// and for a failure the Stop flag that halts every worker at once.
func endUpdate(kind ActionKind, cur model.Update, result model.Result, msg string, now time.Time, reason string) Action {
	u := cloneUpdate(cur)
	u.Stop = result != model.ResultCompleted
	h := &model.HistoryEntry{
		ID:         cur.ID,
		Version:    cur.Version,
		Tag:        cur.Tag,
		Reason:     cur.Reason,
		Result:     result,
		Servers:    slices.Clone(cur.Servers),
		StartedAt:  cur.StartedAt,
		FinishedAt: now,
		Message:    msg,
		Acts:       slices.Clone(cur.Acts),
	}
	return Action{Kind: kind, Update: &u, History: h, Reason: reason}
}

// resultWords phrases a result for a sentence ("update 7 to V timed out").
func resultWords(r model.Result) string {
	switch r {
	case model.ResultCompleted:
		return "completed"
	case model.ResultAborted:
		return "was aborted"
	case model.ResultTimedOut:
		return "timed out"
	}
	return fmt.Sprintf("ended %q", r)
}
