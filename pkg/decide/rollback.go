package decide

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/necoship/neco/pkg/model"
)

// RollbackInput is what `neco rollback VERSION` is checked against.
type RollbackInput struct {
	Snapshot model.Snapshot
	// History is every history entry; the target must have completed once.
	History []model.HistoryEntry
	// Irreversible lists every irreversible once-step that ever began.
	Irreversible []model.IrreversibleRun
	Target       model.Version
	Force        bool
	// By names the operator; Now is when they asked.
	By  string
	Now time.Time
}

// RollbackPlan is what the CLI records, in one transaction, when a rollback
// may go.
type RollbackPlan struct {
	Request model.RollbackRequest
	// Holds are the versions left behind that are not held yet: the updater
	// must not re-apply them on its next release check.
	Holds []model.Hold
}

// IrreversibleError refuses a rollback past irreversible once-steps.
type IrreversibleError struct {
	Target model.Version
	Runs   []model.IrreversibleRun
}

func (e *IrreversibleError) Error() string {
	return fmt.Sprintf("rolling back to %s would not undo irreversible once-steps: %s", e.Target, ListRuns(e.Runs))
}

// ListRuns names runs for people: "migrate (2026.11.24-1), upload (...)".
func ListRuns(runs []model.IrreversibleRun) string {
	steps := make([]string, len(runs))
	for i, r := range runs {
		steps[i] = fmt.Sprintf("%s (%s)", r.Name, r.Version)
	}
	return strings.Join(steps, ", ")
}

// ErrRollbackRefused is wrapped by every refusal of PlanRollback but the
// irreversible one, which is an *IrreversibleError.
var ErrRollbackRefused = errors.New("rollback refused")

// PlanRollback decides whether the site may go back to in.Target and what
// to record for it. A rollback leaves from the current update once it has
// ended (completed, or aborted or timed out: rolling back is how a bad
// update is left), to a version older than the current one that completed
// on this site before (its tag comes from history). Every irreversible
// once-step that began for a version newer than the target refuses it
// unless Force: the data it migrated stays migrated, whatever the package
// version, so runs of versions past the current one count too (an earlier
// forced rollback left them behind).
func PlanRollback(in RollbackInput) (RollbackPlan, error) {
	s, v := in.Snapshot, in.Target
	cur := s.Current
	if err := rollbackState(s, v); err != nil {
		return RollbackPlan{}, err
	}
	done, ok := lastCompleted(in.History, v)
	if !ok {
		return RollbackPlan{}, refuse("%s never completed on this site (see neco history); a rollback returns only to a version that ran", v)
	}
	var runs []model.IrreversibleRun
	for _, r := range in.Irreversible {
		if r.Version.Compare(v) > 0 {
			runs = append(runs, r)
		}
	}
	slices.SortFunc(runs, model.IrreversibleRun.Compare)
	if len(runs) > 0 && !in.Force {
		return RollbackPlan{}, &IrreversibleError{Target: v, Runs: runs}
	}
	req := model.RollbackRequest{Version: v, Tag: done.Tag, From: cur.Version, Force: in.Force, Forced: runs,
		By: in.By, At: in.Now}
	return RollbackPlan{Request: req, Holds: rollbackHolds(in, cur.Version)}, nil
}

// rollbackState refuses a rollback the current state does not allow.
func rollbackState(s model.Snapshot, v model.Version) error {
	cur := s.Current
	switch {
	case cur == nil:
		return refuse("no update has run on this site; there is nothing to roll back from")
	case s.Rollback != nil:
		return refuse("a rollback to %s is already requested by %s; the updater leader starts it when it runs",
			s.Rollback.Version, s.Rollback.By)
	case s.Finished == nil && cur.Stop:
		return refuse("update %d to %s is stopping; roll back once neco status shows it ended", cur.ID, cur.Version)
	case s.Finished == nil:
		return refuse("update %d to %s is running; abort it first (neco update abort) or let it end", cur.ID, cur.Version)
	case v.Compare(cur.Version) >= 0:
		return refuse("%s is not older than %s, the version of update %d", v, cur.Version, cur.ID)
	}
	if p := s.Pin; p != nil && !p.Version.Equal(v) {
		return refuse("the site is pinned to %s; neco unpin first", p.Version)
	}
	if _, held := s.Held(v); held {
		return refuse("%s is held; neco unhold %s first", v, v)
	}
	return nil
}

// lastCompleted returns the newest completed history entry of version v.
func lastCompleted(history []model.HistoryEntry, v model.Version) (model.HistoryEntry, bool) {
	var found model.HistoryEntry
	for _, h := range history {
		if h.Result == model.ResultCompleted && h.Version.Equal(v) && h.ID > found.ID {
			found = h
		}
	}
	return found, found.ID > 0
}

// rollbackHolds holds every version the site ran after the target, up to
// the one it leaves, that is not held yet: going back past a version says
// it is bad too, and a hold an operator already wrote keeps its reason.
func rollbackHolds(in RollbackInput, from model.Version) []model.Hold {
	var holds []model.Hold
	add := func(v model.Version) {
		_, held := in.Snapshot.Held(v)
		dup := slices.ContainsFunc(holds, func(h model.Hold) bool { return h.Version.Equal(v) })
		if held || dup || v.Compare(in.Target) <= 0 || v.Compare(from) > 0 {
			return
		}
		holds = append(holds, model.Hold{
			Version: v,
			Reason:  fmt.Sprintf("rolled back to %s", in.Target),
			By:      in.By,
			At:      in.Now,
		})
	}
	add(from)
	for _, h := range in.History {
		add(h.Version)
	}
	slices.SortFunc(holds, func(a, b model.Hold) int { return a.Version.Compare(b.Version) })
	return holds
}

func refuse(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrRollbackRefused, fmt.Sprintf(format, args...))
}
