package storage

import (
	"context"
	"fmt"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/necoship/neco/pkg/model"
)

// PauseUpdate holds the running update between steps (neco update pause)
// and records act on it; ResumeUpdate lets it go on. Each is a
// compare-and-swap of status/current that also requires the update not to
// have ended (history/<id> absent) nor be stopped: a pause is a hold, not
// an abort, and means nothing for an update that is over. Pausing a paused
// update, or resuming a running one, changes nothing and returns it with
// changed false, except that an operator's pause takes over one of the
// release window's (model.ByReleaseWindow): the window then no longer
// resumes it. ErrNotFound when there is no current update; ErrConflict
// when it ended, was stopped or changed meanwhile.
func (s *Storage) PauseUpdate(ctx context.Context, act model.OperatorAct) (u model.Update, changed bool, err error) {
	return s.setPaused(ctx, true, act)
}

// ResumeUpdate: see PauseUpdate.
func (s *Storage) ResumeUpdate(ctx context.Context, act model.OperatorAct) (u model.Update, changed bool, err error) {
	return s.setPaused(ctx, false, act)
}

func (s *Storage) setPaused(ctx context.Context, paused bool, act model.OperatorAct) (model.Update, bool, error) {
	key := s.StatusCurrentKey()
	u, rev, err := load[model.Update](ctx, s, key)
	if err != nil {
		return model.Update{}, false, fmt.Errorf("%s: %w", act.Act, err)
	}
	hist := s.HistoryKey(u.ID)
	ended, err := s.exists(ctx, hist)
	switch {
	case err != nil:
		return model.Update{}, false, fmt.Errorf("%s: %w", act.Act, err)
	case ended || u.Stop:
		return model.Update{}, false, fmt.Errorf("%s update %d: it is not running: %w", act.Act, u.ID, ErrConflict)
	case u.Paused == paused && !(paused && u.PausedByWindow() && act.By != model.ByReleaseWindow):
		return u, false, nil
	}
	u.Paused = paused
	u.Acts = append(u.Acts, act)
	val, err := encode(u)
	if err != nil {
		return model.Update{}, false, fmt.Errorf("%s: %w", act.Act, err)
	}
	cmps := append(casModRev(key, rev), clientv3.Compare(clientv3.CreateRevision(hist), "=", 0))
	if err := s.cas(ctx, cmps, clientv3.OpPut(key, val)); err != nil {
		return model.Update{}, false, fmt.Errorf("%s update %d: %w", act.Act, u.ID, err)
	}
	return u, true, nil
}

// SetWindowPause writes u, the running update paused or resumed by
// neco-updater for the release window (decide.ActionWindowPause and
// ActionWindowResume), fenced by leaderKey. It is written only if
// status/current did not change since atRev, the revision of the snapshot
// the decision read (ErrConflict otherwise: an operator's act or an end of
// the update came first, and the next round decides again), and never
// once history/<id> exists.
func (s *Storage) SetWindowPause(ctx context.Context, leaderKey string, atRev int64, u model.Update) error {
	val, err := encode(u)
	if err != nil {
		return fmt.Errorf("window pause of update %d: %w", u.ID, err)
	}
	key := s.StatusCurrentKey()
	cmps := []clientv3.Cmp{
		clientv3.Compare(clientv3.ModRevision(key), "<", atRev+1),
		clientv3.Compare(clientv3.CreateRevision(key), ">", 0),
		clientv3.Compare(clientv3.CreateRevision(s.HistoryKey(u.ID)), "=", 0),
	}
	if err := s.fenced(ctx, leaderKey, cmps, clientv3.OpPut(key, val)); err != nil {
		return fmt.Errorf("window pause of update %d: %w", u.ID, err)
	}
	return nil
}
