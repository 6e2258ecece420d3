package updater

import (
	"time"

	"github.com/necoship/neco/pkg/model"
)

// reportsSeen remembers when this leader first saw each server's report as
// it stands, on the leader's own clock. The decisions count a worker's
// silence, the canary soak and the rolling soak from it
// (decide.UpdaterInput.SeenAt) instead of from the report's UpdatedAt,
// which the worker's clock wrote: a boot server whose clock runs behind
// would otherwise time out early, one ahead late (docs/decide.md, "Which
// clock").
//
// It lives for one term of leadership. A new leader sees every report for
// the first time when it takes over, so a worker that fell silent just
// before a failover gets up to one more worker-timeout: the safe side.
type reportsSeen struct {
	seen map[int]seenReport
}

// seenReport is a report's etcd revision and when it was first seen.
type seenReport struct {
	rev int64
	at  time.Time
}

// at records snap's reports as seen at now, unless seen before at the same
// revision, and returns when each was first seen. Servers without a
// report are forgotten.
func (r *reportsSeen) at(snap model.Snapshot, now time.Time) map[int]time.Time {
	if r.seen == nil {
		r.seen = map[int]seenReport{}
	}
	out := make(map[int]time.Time, len(snap.Workers))
	for lrn, w := range snap.Workers {
		s, ok := r.seen[lrn]
		if !ok || s.rev != w.Revision {
			s = seenReport{rev: w.Revision, at: now}
			r.seen[lrn] = s
		}
		out[lrn] = s.at
	}
	for lrn := range r.seen {
		if _, ok := snap.Workers[lrn]; !ok {
			delete(r.seen, lrn)
		}
	}
	return out
}
