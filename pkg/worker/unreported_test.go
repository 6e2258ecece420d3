package worker

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/necoship/neco/pkg/model"
)

// refusingStore is a worker's etcd that refuses its reports while refuse
// is set, as an etcd that lost its quorum does, and keeps what it refused.
type refusingStore struct {
	Store
	refuse  atomic.Bool
	mu      sync.Mutex
	refused []model.WorkerStatus
}

var errNoQuorum = errors.New("etcdserver: no leader")

func (r *refusingStore) PutWorkerStatus(ctx context.Context, lrn int, w model.WorkerStatus) error {
	if r.refuse.Load() {
		r.mu.Lock()
		r.refused = append(r.refused, w)
		r.mu.Unlock()
		return errNoQuorum
	}
	return r.Store.PutWorkerStatus(ctx, lrn, w)
}

// refusedAfter reports whether a report of a step after step was refused.
func (r *refusingStore) refusedAfter(step int) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, w := range r.refused {
		if w.Step > step || w.Cond == model.CondCompleted {
			return true
		}
	}
	return false
}

// TestFinishedStepKeptUntilEtcdTakesItsReport: a rolling restart ends
// while etcd refuses the worker's reports (its quorum lost). The worker
// keeps the report of the finished step and writes it when etcd is back,
// before deciding anything: the restart does not run again.
func TestFinishedStepKeptUntilEtcdTakesItsReport(t *testing.T) {
	s := newSite(t)
	const v = "2026.11.23-1"
	s.publish(release{version: v, plan: sitePlan(v, 1, filepath.Join(t.TempDir(), "once.log"), "")})
	s.join(0)
	gate := make(chan struct{})
	n := s.newNode(0)
	n.gate = gate
	rs := &refusingStore{}
	n.wrapStore = func(st Store) Store { rs.Store = st; return rs }
	s.run(n)
	s.runUpdater()
	var restartStep int
	s.waitFor("server 0 in its rolling restart", time.Minute, func(sn model.Snapshot) bool {
		w, ok := sn.Workers[0]
		restartStep = w.Step
		return sn.Current != nil && ok && w.ID == sn.Current.ID && w.Cond == model.CondRunning &&
			strings.HasPrefix(w.StepName, "restart etcd.service")
	})
	rs.refuse.Store(true)
	close(gate)
	for deadline := time.Now().Add(time.Minute); !rs.refusedAfter(restartStep); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the worker never tried to report the end of its restart")
		}
	}
	rs.refuse.Store(false)
	s.waitEnd(model.ResultCompleted, time.Minute)
	if got := s.events.of("restart", "etcd.service"); len(got) != 1 {
		t.Errorf("etcd.service restarted %d times, want once: %+v", len(got), got)
	}
}
