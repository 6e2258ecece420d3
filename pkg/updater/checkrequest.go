package updater

import (
	"context"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/necoship/neco/pkg/model"
)

// A release check asked for now (request/check: `neco update check`, or a
// webhook delivery to any neco-updater) is forced at the Controller's next
// round and answered in info/check-answer once a check that started no
// earlier than the leader saw the request has finished.

// checkAsked is the request this leader answers next: its revision, and
// when this leader first saw it. Zero at the start of a term: a request
// left by the last leader is taken again.
type checkAsked struct {
	rev      int64
	seen     time.Time
	answered bool
}

// takeCheckRequest notes a request newer than the last one taken and says
// whether a check must be forced now.
func (c *Controller) takeCheckRequest(r *model.CheckRequest, now time.Time) bool {
	if r == nil || r.Revision <= c.asked.rev {
		return false
	}
	c.asked = checkAsked{rev: r.Revision, seen: now}
	c.logger().Info("release check requested", zap.String(keyBy, r.By))
	return true
}

// answerCheck records how the check that answers the taken request went,
// once it has finished (checked is the last finished check's result): the
// channel's pick and whether it is new to seen (info/release before this
// round records the pick), or the error.
func (c *Controller) answerCheck(ctx context.Context, leaderKey string, seen *model.SeenRelease, checked *CheckResult, latest *model.Release) error {
	if c.asked.rev == 0 || c.asked.answered {
		return nil
	}
	if checked == nil || checked.CheckedAt.Before(c.asked.seen) {
		return nil // still running, or it started before the request
	}
	a := model.CheckAnswer{Revision: c.asked.rev, CheckedAt: checked.CheckedAt}
	if checked.Err != nil {
		a.Error = checked.Err.Error()
	}
	if latest != nil {
		a.Tag, a.Version = latest.Tag, latest.Version
		a.New = seen == nil || seen.Tag != latest.Tag
	}
	if err := c.Store.AnswerCheck(ctx, leaderKey, a); err != nil {
		return fmt.Errorf("answer check request: %w", err)
	}
	c.asked.answered = true
	return nil
}
