package notify

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/necoship/neco/pkg/model"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

// reply is one scripted answer of a hookServer.
type reply struct {
	code   int
	header map[string]string
	body   string
}

// hookServer answers requests with a script (the last reply repeats) and
// records what it received.
type hookServer struct {
	*httptest.Server
	mu       sync.Mutex
	script   []reply
	bodies   [][]byte
	headers  []http.Header
	requests int
}

func newHookServer(t *testing.T, script ...reply) *hookServer {
	t.Helper()
	h := &hookServer{script: script}
	h.Server = httptest.NewServer(http.HandlerFunc(h.serve))
	t.Cleanup(h.Close)
	return h
}

func (h *hookServer) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	rep := h.script[min(h.requests, len(h.script)-1)]
	h.requests++
	h.bodies = append(h.bodies, body)
	h.headers = append(h.headers, r.Header.Clone())
	h.mu.Unlock()
	for k, v := range rep.header {
		w.Header().Set(k, v)
	}
	w.WriteHeader(rep.code)
	_, _ = io.WriteString(w, rep.body)
}

func (h *hookServer) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.requests
}

func (h *hookServer) lastBody(t *testing.T) []byte {
	t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.bodies) == 0 {
		t.Fatal("no request received")
	}
	return h.bodies[len(h.bodies)-1]
}

// newHangingServer accepts requests and never answers until the client
// gives up or the test ends. Each arrival is signalled on the channel.
func newHangingServer(t *testing.T) (*httptest.Server, <-chan struct{}) {
	t.Helper()
	arrived := make(chan struct{}, 1024)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case arrived <- struct{}{}:
		default:
		}
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	// Cleanups run last-in first-out: release the handlers, then close.
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	return srv, arrived
}

// recorder collects what the Options hooks see.
type recorder struct {
	mu       sync.Mutex
	waits    []time.Duration
	failures []string
}

func (r *recorder) sleep(ctx context.Context, d time.Duration) error {
	r.mu.Lock()
	r.waits = append(r.waits, d)
	r.mu.Unlock()
	return ctx.Err()
}

func (r *recorder) onFailure(sender string) {
	r.mu.Lock()
	r.failures = append(r.failures, sender)
	r.mu.Unlock()
}

func (r *recorder) snapshot() ([]time.Duration, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Duration(nil), r.waits...), append([]string(nil), r.failures...)
}

func observedLogger() (*zap.Logger, *observer.ObservedLogs) {
	core, logs := observer.New(zap.DebugLevel)
	return zap.New(core), logs
}

// logText renders every observed entry, message and fields, for searching.
func logText(logs *observer.ObservedLogs) string {
	var b strings.Builder
	for _, e := range logs.All() {
		b.WriteString(e.Message)
		for k, v := range e.ContextMap() {
			b.WriteString(" " + k + "=")
			if s, ok := v.(string); ok {
				b.WriteString(s)
			} else {
				j, _ := json.Marshal(v)
				b.Write(j)
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

// diffJSON compares two JSON documents by value, so field order and
// spacing do not matter but every field and value does.
func diffJSON(t *testing.T, want string, got []byte) string {
	t.Helper()
	var w, g any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad expected JSON: %v", err)
	}
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("sent invalid JSON %q: %v", got, err)
	}
	return cmp.Diff(w, g)
}

var (
	testStart  = time.Date(2026, 11, 23, 19, 0, 0, 0, time.FixedZone("JST", 9*60*60))
	testFinish = testStart.Add(12*time.Minute + 30*time.Second)
)

func testUpdate() model.Update {
	return model.Update{
		ID:        42,
		Version:   model.MustParseVersion("2026.11.23-1"),
		Tag:       "release-2026.11.23-1",
		Servers:   []int{0, 1, 2},
		Reason:    model.ReasonUpdate,
		StartedAt: testStart,
	}
}

func testHistory(r model.Result, msg string) model.HistoryEntry {
	u := testUpdate()
	return model.HistoryEntry{
		ID: u.ID, Version: u.Version, Tag: u.Tag, Reason: u.Reason, Result: r,
		Servers: u.Servers, StartedAt: u.StartedAt, FinishedAt: testFinish, Message: msg,
	}
}
