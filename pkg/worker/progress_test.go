package worker

import (
	"context"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/necoship/neco/pkg/etcdtest"
	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/storage"
)

// progressWorker is a worker of LRN 3 whose progress reports go to a real
// etcd; only the report's timing is set.
func progressWorker(t *testing.T, delay time.Duration) (*Worker, *storage.Storage) {
	st := storage.New(srv.Client(t), etcdtest.Prefix(t))
	return &Worker{Store: st, LRN: 3, ProgressDelay: delay, Heartbeat: time.Hour, Now: time.Now, Log: zap.NewNop()}, st
}

func runningReport() model.WorkerStatus {
	return model.WorkerStatus{ID: 7, Version: model.MustParseVersion("1.0"), Step: 2, StepName: "restart a.service (anytime)", Cond: model.CondRunning}
}

func TestProgressReportsWhatHasRunForTheDelay(t *testing.T) {
	w, st := progressWorker(t, 10*time.Millisecond)
	p := newProgress(w, runningReport(), w.Log)
	stop := p.start(t.Context())
	defer stop()
	p.say("pull 2 images")
	deadline := time.Now().Add(10 * time.Second)
	for {
		snap, err := st.WorkerSnapshot(t.Context(), storage.WorkerView{LRN: 3})
		if err != nil {
			t.Fatal(err)
		}
		if r, ok := snap.Workers[3]; ok && r.Message == "pull 2 images" {
			if r.Step != 2 || r.Cond != model.CondRunning || r.StepName != runningReport().StepName {
				t.Errorf("report %+v, want the running step's", r)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no report naming the command in 10s; last %+v", snap.Workers)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestProgressWritesNothingForAStepThatEndsSooner(t *testing.T) {
	w, st := progressWorker(t, time.Hour)
	p := newProgress(w, runningReport(), w.Log)
	stop := p.start(context.Background())
	p.say("restart a.service")
	stop()
	snap, err := st.WorkerSnapshot(t.Context(), storage.WorkerView{LRN: 3})
	if err != nil {
		t.Fatal(err)
	}
	if r, ok := snap.Workers[3]; ok {
		t.Errorf("report %+v written for a step shorter than the delay", r)
	}
}
