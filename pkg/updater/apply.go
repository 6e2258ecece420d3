package updater

import (
	"context"
	"fmt"

	"go.uber.org/zap"

	"github.com/necoship/neco/pkg/config"
	"github.com/necoship/neco/pkg/decide"
	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/notify"
)

// apply records the decided action with leader-fenced writes, then tells
// people. Recording comes first: a notification about something etcd does
// not hold would be a lie if the write failed.
func (c *Controller) apply(ctx context.Context, leaderKey string, cfg config.Cluster, act decide.Action) error {
	env := string(cfg.Env)
	switch act.Kind {
	case decide.ActionStartUpdate:
		if err := c.Store.StartUpdate(ctx, leaderKey, *act.Update, *act.Barrier); err != nil {
			return fmt.Errorf("start update %d: %w", act.Update.ID, err)
		}
		// Not running in this round's snapshot yet: its id is not on c.log.
		c.logAction(act, zap.Int64(keyUpdateID, act.Update.ID), zap.Stringer(keyVersion, act.Update.Version))
		ev := notify.Started(*act.Update, env, c.releaseURL(cfg, act.Update.Tag))
		if why := decide.AutomaticRollback(*act.Update); why != "" {
			ev.Message = "rolled back automatically: " + why
		}
		ev.Site = cfg.Site
		c.Notifier.Notify(cfg, ev)
	case decide.ActionAdvanceBarrier:
		if err := c.Store.AdvanceBarrier(ctx, leaderKey, *act.Barrier); err != nil {
			return fmt.Errorf("advance barrier of update %d to %d: %w", act.Barrier.ID, act.Barrier.Step, err)
		}
		c.logAction(act)
	case decide.ActionOpenTurns:
		if err := c.Store.PutTurns(ctx, leaderKey, *act.Turns); err != nil {
			return fmt.Errorf("open turns of update %d at step %d: %w", act.Turns.ID, act.Turns.Step, err)
		}
		c.logAction(act)
	case decide.ActionFinish, decide.ActionAbort, decide.ActionTimeout:
		if err := c.Store.FinishUpdate(ctx, leaderKey, *act.Update, *act.History); err != nil {
			return fmt.Errorf("finish update %d: %w", act.Update.ID, err)
		}
		c.logAction(act, zap.Stringer(keyVersion, act.Update.Version))
		c.Metrics.UpdateFinished(string(act.History.Result), act.History.FinishedAt.Sub(act.History.StartedAt))
		ev := notify.Finished(*act.Update, *act.History, env, c.releaseURL(cfg, act.Update.Tag))
		ev.Site = cfg.Site
		c.Notifier.Notify(cfg, ev)
	case decide.ActionRequestRollback:
		// Decided on the snapshot of this round (c.seen): if status/current
		// changed since, the request is not written and the next round
		// decides again.
		if err := c.Store.RequestAutoRollback(ctx, leaderKey, c.seen, *act.Rollback, *act.Hold); err != nil {
			return fmt.Errorf("request automatic rollback to %s: %w", act.Rollback.Version, err)
		}
		c.logAction(act, zap.Stringer(keyVersion, act.Rollback.From))
	case decide.ActionWindowPause, decide.ActionWindowResume:
		// Like the request above, decided on this round's snapshot.
		if err := c.Store.SetWindowPause(ctx, leaderKey, c.seen, *act.Update); err != nil {
			return fmt.Errorf("%s: %w", act.Kind, err)
		}
		c.logAction(act)
	case decide.ActionWaitApproval:
		if act.Candidate != nil {
			if err := c.Store.PutCandidate(ctx, leaderKey, *act.Candidate); err != nil {
				return fmt.Errorf("record candidate %s: %w", act.Candidate.Version, err)
			}
			// Once per candidate: a candidate already recorded (by this
			// leader or the last) is not written, nor announced, again.
			ev := notify.AwaitingApproval(*act.Candidate, env, c.releaseURL(cfg, act.Candidate.Tag))
			ev.Site = cfg.Site
			c.Notifier.Notify(cfg, ev)
		}
		c.logReason(act)
	default:
		c.logReason(act)
	}
	return nil
}

// releaseURL links the release of tag when it is the one the checker
// picked (the usual case); other tags get no link rather than a guess.
func (c *Controller) releaseURL(cfg config.Cluster, tag string) string {
	if r := c.checks.result().Latest(cfg); r != nil && r.Tag == tag {
		return r.URL
	}
	return ""
}

// recordCheck keeps info/check at the outcome of the last release check,
// writing only when the outcome changes: `neco status` then says since
// when checks fail (bad token, rate limit) or succeed, without an etcd write
// per poll.
func (c *Controller) recordCheck(ctx context.Context, leaderKey string, stored *model.ReleaseCheck, checked *CheckResult) error {
	if checked == nil {
		return nil // no check yet this term
	}
	rc := model.ReleaseCheck{Since: checked.CheckedAt}
	if checked.Err != nil {
		rc.Error = checked.Err.Error()
	}
	if stored != nil && stored.Error == rc.Error {
		return nil
	}
	if err := c.Store.PutReleaseCheck(ctx, leaderKey, rc); err != nil {
		return fmt.Errorf("record release check: %w", err)
	}
	return nil
}

// recordPromotion keeps info/promotion at what the release checks learned
// of the pick's deployment to require-deployed, writing only when that
// changes, and returns what this round decides on.
func (c *Controller) recordPromotion(ctx context.Context, leaderKey string, stored, learned *model.Promotion) (*model.Promotion, error) {
	if learned == nil || (stored.For(learned.Tag, learned.Environment) &&
		stored.Deployed == learned.Deployed && stored.Error == learned.Error) {
		return stored, nil
	}
	if err := c.Store.PutPromotion(ctx, leaderKey, *learned); err != nil {
		return stored, fmt.Errorf("record promotion of %s: %w", learned.Tag, err)
	}
	if learned.Deployed {
		c.logger().Info("release deployed where require-deployed asks; it may be taken",
			zap.String(keyKey, learned.Tag), zap.String(keyEnvironment, learned.Environment))
	}
	return learned, nil
}

// recordSeen keeps info/release at the channel's pick, writing only when
// it changed.
func (c *Controller) recordSeen(ctx context.Context, leaderKey string, seen *model.SeenRelease, latest *model.Release) error {
	if latest == nil || (seen != nil && seen.Tag == latest.Tag && seen.Prerelease == latest.Prerelease) {
		return nil
	}
	r := model.SeenRelease{Version: latest.Version, Tag: latest.Tag, Prerelease: latest.Prerelease, PublishedAt: latest.PublishedAt}
	if err := c.Store.PutSeenRelease(ctx, leaderKey, r); err != nil {
		return fmt.Errorf("record seen release %s: %w", latest.Tag, err)
	}
	c.logger().Info("new release seen", zap.String(keyVersion, latest.Version.String()), zap.String(keyKey, latest.Tag))
	return nil
}

// logger is the round's logger (see roundLog); Log before the first round.
func (c *Controller) logger() *zap.Logger {
	if c.log != nil {
		return c.log
	}
	return c.Log
}

// logAction logs a state-changing action, always.
func (c *Controller) logAction(act decide.Action, fields ...zap.Field) {
	c.said.Always(c.logger(), act.Reason, append(fields, zap.String(keyAction, string(act.Kind)))...)
}

// logReason logs why nothing happens, once per distinct reason, so a
// waiting updater does not write the same line every tick.
func (c *Controller) logReason(act decide.Action) {
	c.said.Reason(c.logger(), act.Reason, zap.String(keyAction, string(act.Kind)))
}

// logError logs a failed round; the same message at most once a minute.
func (c *Controller) logError(err error) {
	c.said.Error(c.logger(), c.Now(), "updater round failed", err)
}

// reportInvalid logs each garbage key once, naming it, for as long as it
// stays garbage; a key that was fixed and breaks again is logged again.
func (c *Controller) reportInvalid(keys []model.InvalidKey) {
	now := make(map[string]bool, len(keys))
	for _, k := range keys {
		now[k.Key] = true
		if !c.invalid[k.Key] {
			c.logger().Error("ignoring invalid etcd value", zap.String(keyKey, k.Key), zap.Error(k.Err))
		}
	}
	c.invalid = now
}
