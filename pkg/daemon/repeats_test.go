package daemon

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

func TestRepeats(t *testing.T) {
	core, logs := observer.New(zap.InfoLevel)
	log := zap.New(core)
	var r Repeats
	t0 := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	boom, other := errors.New("boom"), errors.New("other")

	r.Reason(log, "waiting for 1")
	r.Reason(log, "waiting for 1") // the same reason: not again
	r.Reason(log, "waiting for 2")
	r.Always(log, "opened step 2")
	r.Always(log, "opened step 2") // an action: always
	r.Reason(log, "opened step 2") // the wait after it says the same: not again
	r.Error(log, t0, "round failed", boom)
	r.Error(log, t0.Add(30*time.Second), "round failed", boom) // within a minute: not again
	r.Error(log, t0.Add(40*time.Second), "round failed", other)
	r.Error(log, t0.Add(50*time.Second), "round failed", boom) // another error came between
	r.Error(log, t0.Add(50*time.Second+ErrorRepeatEvery), "round failed", boom)

	var got []string
	for _, e := range logs.All() {
		line := e.Level.String() + " " + e.Message
		if err, ok := e.ContextMap()["error"]; ok {
			line += ": " + err.(string)
		}
		got = append(got, line)
	}
	want := []string{
		"info waiting for 1", "info waiting for 2", "info opened step 2", "info opened step 2",
		"error round failed: boom", "error round failed: other", "error round failed: boom", "error round failed: boom",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
}
