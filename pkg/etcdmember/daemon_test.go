package etcdmember

import (
	"context"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap"

	"github.com/necoship/neco/pkg/etcdconn"
	"github.com/necoship/neco/pkg/etcdtest"
)

// TestDaemonServesUntilStopped: on a single-server site neco-etcd reports
// ready only once the member answers a client, and stops cleanly.
func TestDaemonServesUntilStopped(t *testing.T) {
	l := etcdtest.EmbeddedLocal(t)
	sm := &notes{ready: make(chan struct{})}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- RunDaemon(ctx, DaemonOptions{Local: l, Log: zap.NewNop(), Service: sm}) }()
	select {
	case <-sm.ready:
	case err := <-done:
		t.Fatalf("RunDaemon ended before READY=1: %v", err)
	case <-time.After(time.Minute):
		t.Fatal("no READY=1 within a minute")
	}
	c, err := etcdconn.Dial(t.Context(), l, etcdconn.DialOptions{ProbeTimeout: 5 * time.Second})
	if err != nil {
		t.Fatalf("dial after READY=1: %v", err)
	}
	if _, err := c.Put(t.Context(), "/neco/config/env", "staging"); err != nil {
		t.Errorf("put after READY=1: %v", err)
	}
	c.Close()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("RunDaemon after cancel: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("RunDaemon did not stop after cancel")
	}
	want := []string{"STATUS=starting the embedded etcd member", "READY=1\nSTATUS=" + statusServing}
	if diff := cmp.Diff(want, sm.states()); diff != "" {
		t.Errorf("told systemd (-want +got):\n%s", diff)
	}
}

// TestDaemonNotNeeded: with endpoints in the local config neco-etcd says
// so and ends at once, successfully, without a data directory.
func TestDaemonNotNeeded(t *testing.T) {
	l := etcdtest.EmbeddedLocal(t)
	l.Etcd.Endpoints = []string{"https://192.0.2.1:2379"}
	sm := &notes{ready: make(chan struct{})}
	if err := RunDaemon(t.Context(), DaemonOptions{Local: l, Log: zap.NewNop(), Service: sm}); err != nil {
		t.Fatalf("RunDaemon with endpoints: %v", err)
	}
	want := []string{"READY=1\nSTATUS=" + statusNotNeeded}
	if diff := cmp.Diff(want, sm.states()); diff != "" {
		t.Errorf("told systemd (-want +got):\n%s", diff)
	}
	if entries, _ := os.ReadDir(l.DataDir); len(entries) != 0 {
		t.Errorf("data directory written without a member: %v", entries)
	}
}

// notes is the service manager of a daemon under test: it keeps what the
// daemon told systemd and closes ready at READY=1.
type notes struct {
	mu    sync.Mutex
	sent  []string
	ready chan struct{}
}

func (n *notes) Notify(state string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.sent = append(n.sent, state)
	if strings.HasPrefix(state, "READY=1") {
		close(n.ready)
	}
	return nil
}

func (n *notes) states() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.sent)
}
