package decide

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/necoship/neco/pkg/config"
	"github.com/necoship/neco/pkg/model"
)

// decideIdle decides whether to start an update when none runs: there is no
// Current, or it ended and was not stopped.
func decideIdle(in UpdaterInput) Action {
	s, cur, latest := in.Snapshot, in.Snapshot.Current, in.Latest
	if cur != nil && cur.Reason == model.ReasonRollback && s.Finished != nil &&
		s.Finished.Result != model.ResultCompleted && len(s.Bootservers) > 0 {
		// `neco recover` after a failed rollback: the operator's request
		// stands, whatever the channel offers or the holds say.
		return startUpdate(in, cur.Version, cur.Tag, model.ReasonRollback,
			fmt.Sprintf("retry of the rollback to %s after it %s", cur.Version, resultWords(s.Finished.Result)))
	}
	switch {
	case in.Config.Env == model.EnvTest:
		return Action{Kind: ActionNone, Reason: "env test never updates automatically"}
	case latest == nil:
		return Action{Kind: ActionNone, Reason: "no release qualifies"}
	case len(s.Bootservers) == 0:
		return Action{Kind: ActionNone, Reason: "no boot servers are registered"}
	}
	if why := policyBlocks(s, latest.Version); why != "" {
		// Servers that joined still get the version the site runs.
		if cur != nil && s.Finished != nil && s.Finished.Result == model.ResultCompleted {
			if a := reconfigure(in); a.Kind != ActionNone {
				return a
			}
		}
		return Action{Kind: ActionNone, Reason: why}
	}
	switch {
	case cur == nil:
		return approveThenStart(in, fmt.Sprintf("update to %s", latest.Version))
	}
	switch c := latest.Version.Compare(cur.Version); {
	case c < 0:
		// A release that vanished or was demoted must not pull the cluster
		// back on its own: going back is `neco rollback`, an operator's act.
		return Action{Kind: ActionNone, Reason: fmt.Sprintf(
			"latest release %s is older than %s; never downgrading automatically (see neco rollback)",
			latest.Version, cur.Version)}
	case c > 0:
		return approveThenStart(in, fmt.Sprintf("update from %s to %s", cur.Version, latest.Version))
	case s.Finished != nil && s.Finished.Result != model.ResultCompleted:
		// `neco recover` cleared Stop: the operator wants this version
		// again, so it is an ordinary update, approval included.
		return approveThenStart(in, fmt.Sprintf("retry of %s after it %s", latest.Version, resultWords(s.Finished.Result)))
	}
	return reconfigure(in)
}

// policyBlocks says why the operator's policy keeps the updater from
// starting an update to v on its own, or "" when nothing does: a pin to
// another version, or a hold of v.
func policyBlocks(s model.Snapshot, v model.Version) string {
	if p := s.Pin; p != nil && !p.Version.Equal(v) {
		return fmt.Sprintf("pinned to %s%s; not taking %s (neco unpin)", p.Version, because(p.Reason), v)
	}
	if h, ok := s.Held(v); ok {
		return fmt.Sprintf("latest release %s is held%s (neco unhold %s)", v, because(h.Reason), v)
	}
	return ""
}

func because(reason string) string {
	if reason == "" {
		return ""
	}
	return ": " + reason
}

// startRollback starts the update an operator asked for with `neco
// rollback`, once no update runs. It is the operator's act: it needs no
// approval, ignores the release window, the channel and env test, and
// starts on the servers registered now.
func startRollback(in UpdaterInput, r model.RollbackRequest) Action {
	if len(in.Snapshot.Bootservers) == 0 {
		return Action{Kind: ActionNone, Reason: fmt.Sprintf("rollback to %s requested, but no boot servers are registered", r.Version)}
	}
	what := fmt.Sprintf("rollback from %s to %s requested by %s", r.From, r.Version, r.By)
	if r.Automatic != "" {
		what = fmt.Sprintf("automatic rollback from %s to %s (%s)", r.From, r.Version, r.Automatic)
	}
	a := startUpdate(in, r.Version, r.Tag, model.ReasonRollback, what)
	if servers := rollbackServers(in.Snapshot, r); len(servers) > 0 && a.Kind == ActionStartUpdate {
		a = startOn(in, servers, r.Version, r.Tag, model.ReasonRollback, what)
		a.Update.Others = unchangedOf(in.Snapshot, servers)
	}
	if a.Update != nil {
		a.Update.Acts = []model.OperatorAct{rollbackAct(r)}
	}
	return a
}

// rollbackServers are the request's servers that are still registered.
func rollbackServers(s model.Snapshot, r model.RollbackRequest) []int {
	var out []int
	for _, l := range sortedLRNs(r.Servers) {
		if _, ok := s.Bootservers[l]; ok {
			out = append(out, l)
		}
	}
	return out
}

// unchangedOf are the registered servers of the current (failed) update
// that a rollback on servers leaves out: it never changed them, so they
// run the rollback's version already.
func unchangedOf(s model.Snapshot, servers []int) []int {
	var out []int
	if s.Current == nil {
		return nil
	}
	for _, l := range sortedLRNs(s.Current.Servers) {
		if _, ok := s.Bootservers[l]; ok && !slices.Contains(servers, l) {
			out = append(out, l)
		}
	}
	return out
}

// siteRelease is the release the site ran when an update starts now:
// the current update's when it completed, else what that one started from
// (a retry after a failure keeps the release before it).
func siteRelease(s model.Snapshot) (model.Version, string) {
	cur := s.Current
	switch {
	case cur == nil:
		return model.Version{}, ""
	case s.Finished != nil && s.Finished.Result == model.ResultCompleted:
		return cur.Version, cur.Tag
	}
	return cur.From, cur.FromTag
}

// rollbackAct is the request as the update and its history keep it.
func rollbackAct(r model.RollbackRequest) model.OperatorAct {
	detail := fmt.Sprintf("from %s", r.From)
	if r.Automatic != "" {
		detail += autoMarker + r.Automatic
	}
	switch {
	case len(r.Forced) > 0:
		detail += "; --force past irreversible once-steps: " + ListRuns(r.Forced)
	case r.Force:
		detail += "; --force (no irreversible once-step was in the way)"
	}
	return model.OperatorAct{Act: model.ActRollback, By: r.By, At: r.At, Force: r.Force, Detail: detail}
}

// reconfigure starts the completed version again when the registered
// servers changed, so that a joined server gets installed and a departed one
// stops being waited for. The version was approved when it first started, so
// approval is not asked again; the release window still applies, since
// services restart.
func reconfigure(in UpdaterInput) Action {
	cur := in.Snapshot.Current
	was := sortedLRNs(append(slices.Clone(cur.Servers), cur.Others...))
	if slices.Equal(in.Snapshot.LRNs(), was) {
		return Action{Kind: ActionNone, Reason: fmt.Sprintf("up to date at %s", cur.Version)}
	}
	what := fmt.Sprintf("reconfigure of %s (servers were %s)", cur.Version, lrnList(was))
	return gateWindow(in, startUpdate(in, cur.Version, cur.Tag, model.ReasonReconfigure, what))
}

// approveThenStart starts an update to Latest once it is approved and the
// release window is open.
func approveThenStart(in UpdaterInput, what string) Action {
	if a, wait := awaitAge(in); wait {
		return a
	}
	if a, wait := awaitPromotion(in); wait {
		return a
	}
	if a, wait := awaitApproval(in); wait {
		return a
	}
	start := startUpdate(in, in.Latest.Version, in.Latest.Tag, model.ReasonUpdate, what)
	if act, ok := approvalAct(in); ok && start.Update != nil {
		start.Update.Acts = append(start.Update.Acts, act)
	}
	return gateWindow(in, start)
}

// approvalAct is the approve act an update started from an approved
// candidate records (approval manual): who approved it, when, and since
// when it had waited, so that history says it.
func approvalAct(in UpdaterInput) (model.OperatorAct, bool) {
	c := in.Snapshot.Candidate
	if in.Config.Approval != config.ApprovalManual || c == nil || !c.Approved || !c.Version.Equal(in.Latest.Version) {
		return model.OperatorAct{}, false
	}
	act := model.OperatorAct{Act: model.ActApprove, By: c.ApprovedBy, At: c.ApprovedAt}
	if act.By == "" {
		act.By = "unknown (approved by an older neco)"
	}
	if !c.Since.IsZero() {
		act.Detail = "waiting since " + c.Since.UTC().Format("2006-01-02 15:04 MST")
	}
	return act, true
}

// awaitAge reports whether Latest was published too recently to be a
// candidate (config min-release-age): a release that is pulled or replaced
// within the age never reaches the site. Approval is not asked before.
func awaitAge(in UpdaterInput) (Action, bool) {
	age, l := in.Config.MinReleaseAge, in.Latest
	switch {
	case age <= 0:
		return Action{}, false
	case l.PublishedAt.IsZero():
		return Action{Kind: ActionNone, Reason: fmt.Sprintf(
			"release %s has no publication time; min-release-age %s cannot be checked", l.Version, age)}, true
	}
	// Published on this clock: GitHub's clock wrote published_at.
	published := l.Published()
	until := published.Add(age)
	if in.Now.Before(until) {
		return Action{Kind: ActionWaitAge, Until: until, Reason: fmt.Sprintf(
			"release %s was published %s ago; min-release-age %s: a candidate at %s",
			l.Version, in.Now.Sub(published).Round(time.Second), age, until.UTC().Format("2006-01-02 15:04 MST"))}, true
	}
	return Action{}, false
}

// awaitApproval reports whether Latest still needs `neco update approve`.
// The candidate is returned only when info/candidate does not already hold
// this version, so that the updater does not rewrite the key (and clear an
// approval racing with it) on every loop.
func awaitApproval(in UpdaterInput) (Action, bool) {
	if in.Config.Approval != config.ApprovalManual {
		return Action{}, false
	}
	l, c := in.Latest, in.Snapshot.Candidate
	wait := Action{Kind: ActionWaitApproval, Reason: fmt.Sprintf("waiting for approval of %s", l.Version)}
	switch {
	case c == nil || !c.Version.Equal(l.Version):
		wait.Candidate = &model.Candidate{Version: l.Version, Tag: l.Tag, Since: in.Now}
		return wait, true
	case !c.Approved:
		return wait, true
	}
	return Action{}, false
}

// startUpdate builds the next update over every registered server. IDs only
// grow: workers tell a new update from an old one by ID alone.
func startUpdate(in UpdaterInput, v model.Version, tag string, r model.Reason, what string) Action {
	if cur := in.Snapshot.Current; cur != nil && cur.ID == math.MaxInt64 {
		return Action{Kind: ActionNone, Reason: "update IDs are exhausted; " + what + " cannot start"}
	}
	return startOn(in, in.Snapshot.LRNs(), v, tag, r, what)
}

// startOn is startUpdate on the given servers (sorted LRNs).
func startOn(in UpdaterInput, servers []int, v model.Version, tag string, r model.Reason, what string) Action {
	id := int64(1)
	if cur := in.Snapshot.Current; cur != nil {
		id = cur.ID + 1
	}
	from, fromTag := siteRelease(in.Snapshot)
	canaries := canariesOf(servers, in.Config.Canary)
	reason := fmt.Sprintf("starting update %d: %s on servers %s", id, what, lrnList(servers))
	if len(canaries) > 0 {
		reason += fmt.Sprintf(", canaries %s first", lrnList(canaries))
	}
	return Action{
		Kind: ActionStartUpdate,
		Update: &model.Update{
			ID:        id,
			Version:   v,
			Tag:       tag,
			Servers:   servers,
			Reason:    r,
			StartedAt: in.Now,
			Canaries:  canaries,
			From:      from,
			FromTag:   fromTag,
		},
		Barrier: &model.Barrier{ID: id, Step: 0, OpenedAt: in.Now, Canary: len(canaries) > 0},
		Reason:  reason,
	}
}
