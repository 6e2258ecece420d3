package notify

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/necoship/neco/pkg/model"
)

func TestDeliverRetries(t *testing.T) {
	s := time.Second
	tests := []struct {
		name     string
		script   []reply
		wantReqs int
		// wantWaits are the waits between tries; with jitter, each may be
		// anywhere in [w/2, w].
		wantWaits    []time.Duration
		jitter       bool
		wantFailures []string
	}{
		{"delivered first time", []reply{{code: 200}}, 1, nil, false, nil},
		{"500 500 200", []reply{{code: 500}, {code: 500}, {code: 200}}, 3, []time.Duration{s, 2 * s}, true, nil},
		{"400 is not retried", []reply{{code: 400, body: "invalid_payload"}}, 1, nil, false, []string{"webhook"}},
		{"404 is not retried", []reply{{code: 404}}, 1, nil, false, []string{"webhook"}},
		{"redirect is not followed or retried", []reply{{code: 302, header: map[string]string{"Location": "/login"}}, {code: 200}},
			1, nil, false, []string{"webhook"}},
		{"429 honours Retry-After", []reply{{code: 429, header: map[string]string{"Retry-After": "2"}}, {code: 200}},
			2, []time.Duration{2 * s}, false, nil},
		{"Retry-After is capped at MaxDelay", []reply{{code: 503, header: map[string]string{"Retry-After": "86400"}}, {code: 204}},
			2, []time.Duration{time.Minute}, false, nil},
		{"all attempts fail", []reply{{code: 503}}, 5, []time.Duration{s, 2 * s, 4 * s, 8 * s}, true, []string{"webhook"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newHookServer(t, tt.script...)
			var rec recorder
			d := NewDispatcher(Options{Sleep: rec.sleep, OnFailure: rec.onFailure}, NewWebhook(srv.URL, nil))
			if !d.deliver(context.Background(), Started(testUpdate(), "production", "")) {
				t.Fatal("deliver() reported an interruption")
			}
			if got := srv.count(); got != tt.wantReqs {
				t.Errorf("requests = %d, want %d", got, tt.wantReqs)
			}
			waits, failures := rec.snapshot()
			if diff := cmp.Diff(tt.wantFailures, failures); diff != "" {
				t.Errorf("OnFailure calls mismatch (-want +got):\n%s", diff)
			}
			checkWaits(t, waits, tt.wantWaits, tt.jitter)
		})
	}
}

func checkWaits(t *testing.T, got, want []time.Duration, jitter bool) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("waits = %v, want %d of them like %v", got, len(want), want)
	}
	for i, w := range want {
		if !jitter && got[i] != w {
			t.Errorf("wait %d = %v, want %v", i, got[i], w)
		}
		if jitter && (got[i] < w/2 || got[i] > w) {
			t.Errorf("wait %d = %v, want within [%v, %v]", i, got[i], w/2, w)
		}
	}
}

// One sender failing for good must not stop the next one from delivering.
func TestDeliverSendersIndependently(t *testing.T) {
	bad := newHookServer(t, reply{code: 500})
	good := newHookServer(t, reply{code: 200})
	var rec recorder
	d := NewDispatcher(Options{Sleep: rec.sleep, OnFailure: rec.onFailure, Attempts: 2},
		NewSlack(bad.URL, nil), NewWebhook(good.URL, nil))
	d.deliver(context.Background(), Started(testUpdate(), "production", ""))
	if bad.count() != 2 || good.count() != 1 {
		t.Errorf("requests: failing sender %d (want 2), working sender %d (want 1)", bad.count(), good.count())
	}
	if _, failures := rec.snapshot(); !cmp.Equal(failures, []string{"slack"}) {
		t.Errorf("OnFailure calls = %v, want [slack]", failures)
	}
}

// A hanging endpoint costs one Timeout per attempt, then counts as failed.
func TestDeliverAttemptTimeout(t *testing.T) {
	srv, _ := newHangingServer(t)
	var rec recorder
	log, logs := observedLogger()
	d := NewDispatcher(Options{Logger: log, Sleep: rec.sleep, OnFailure: rec.onFailure, Attempts: 2, Timeout: 50 * time.Millisecond},
		NewWebhook(srv.URL, nil))
	start := time.Now()
	if !d.deliver(context.Background(), Started(testUpdate(), "production", "")) {
		t.Fatal("deliver() reported an interruption")
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("deliver() took %v", el)
	}
	if _, failures := rec.snapshot(); len(failures) != 1 {
		t.Errorf("OnFailure calls = %v, want one", failures)
	}
	if !strings.Contains(logText(logs), "deadline exceeded") {
		t.Errorf("logs do not say the attempt timed out:\n%s", logText(logs))
	}
}

func TestDeliverFailureLog(t *testing.T) {
	srv := newHookServer(t, reply{code: 400, body: "invalid_blocks"})
	log, logs := observedLogger()
	d := NewDispatcher(Options{Logger: log}, NewSlack(srv.URL, nil))
	d.deliver(context.Background(), Finished(testUpdate(), testHistory(model.ResultAborted, "x"), "production", ""))
	entries := logs.FilterMessage("notification failed").All()
	if len(entries) != 1 {
		t.Fatalf("want one failure line, got:\n%s", logText(logs))
	}
	want := map[string]any{
		keySender: "slack", keyUpdateID: int64(42), keyKind: "aborted", keyAttempt: int64(1),
		keyStatus: int64(400), "error": "POST slack webhook: status 400 (invalid_blocks)",
	}
	if diff := cmp.Diff(want, entries[0].ContextMap()); diff != "" {
		t.Errorf("log fields mismatch (-want +got):\n%s", diff)
	}
}

func TestNotifyNeverBlocks(t *testing.T) {
	srv, arrived := newHangingServer(t)
	var rec recorder
	log, logs := observedLogger()
	d := NewDispatcher(Options{Logger: log, QueueSize: 4, OnFailure: rec.onFailure, Timeout: time.Hour}, NewWebhook(srv.URL, nil))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); d.Run(ctx) }()

	d.Notify(Started(testUpdate(), "production", ""))
	<-arrived // Run is now stuck in the first delivery.
	start := time.Now()
	for range 1000 {
		d.Notify(Started(testUpdate(), "production", ""))
	}
	if el := time.Since(start); el > time.Second {
		t.Errorf("1000 Notify calls took %v", el)
	}
	dropped := logs.FilterMessage("notification queue full; event dropped").Len()
	if dropped != 1000-4 {
		t.Errorf("dropped %d events, want %d", dropped, 1000-4)
	}
	if _, failures := rec.snapshot(); len(failures) != dropped {
		t.Errorf("OnFailure called %d times for %d drops", len(failures), dropped)
	}
	cancel()
	<-done
}

func TestRunDelivers(t *testing.T) {
	srv := newHookServer(t, reply{code: 200})
	d := NewDispatcher(Options{}, NewWebhook(srv.URL, nil))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go d.Run(ctx)
	d.Notify(Started(testUpdate(), "production", ""))
	d.Notify(Finished(testUpdate(), testHistory(model.ResultCompleted, ""), "production", ""))
	deadline := time.Now().Add(5 * time.Second)
	for srv.count() < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := srv.count(); got != 2 {
		t.Fatalf("requests = %d, want 2", got)
	}
	if !strings.Contains(string(srv.bodies[0]), `"started"`) || !strings.Contains(string(srv.bodies[1]), `"completed"`) {
		t.Errorf("events delivered out of order: %s, %s", srv.bodies[0], srv.bodies[1])
	}
}

func TestRunStopsPromptly(t *testing.T) {
	srv, arrived := newHangingServer(t)
	var rec recorder
	log, logs := observedLogger()
	d := NewDispatcher(Options{Logger: log, OnFailure: rec.onFailure, Timeout: time.Hour}, NewWebhook(srv.URL, nil))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); d.Run(ctx) }()

	d.Notify(Started(testUpdate(), "production", ""))
	<-arrived
	d.Notify(Started(testUpdate(), "production", "")) // pending
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after ctx was cancelled")
	}
	entries := logs.FilterMessage("notifier stopped; pending events dropped").All()
	if len(entries) != 1 || entries[0].ContextMap()[keyDropped] != int64(2) {
		t.Errorf("want one line with dropped=2, got:\n%s", logText(logs))
	}
	if _, failures := rec.snapshot(); len(failures) != 0 {
		t.Errorf("OnFailure called on shutdown: %v", failures)
	}
}

func TestRunStopsDuringBackoff(t *testing.T) {
	srv := newHookServer(t, reply{code: 500})
	d := NewDispatcher(Options{BaseDelay: time.Hour, MaxDelay: time.Hour}, NewWebhook(srv.URL, nil))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); d.Run(ctx) }()
	d.Notify(Started(testUpdate(), "production", ""))
	for srv.count() == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return while waiting to retry")
	}
}

type skipSender struct{ calls *int }

func (skipSender) Name() string { return "skip" }
func (s skipSender) Send(context.Context, Event) error {
	*s.calls++
	return ErrSkipped
}

// A sender with nothing configured is asked once, not retried, not failed.
func TestDeliverSkipped(t *testing.T) {
	var rec recorder
	calls := 0
	log, logs := observedLogger()
	d := NewDispatcher(Options{Logger: log, Sleep: rec.sleep, OnFailure: rec.onFailure}, skipSender{&calls})
	if !d.deliver(context.Background(), Event{}) {
		t.Fatal("deliver() reported an interruption")
	}
	sleeps, failures := rec.snapshot()
	if calls != 1 || len(sleeps) != 0 || len(failures) != 0 {
		t.Errorf("calls %d sleeps %v failures %v; want one call, no retry, no failure", calls, sleeps, failures)
	}
	if n := logs.FilterMessage("notification sent").Len(); n != 0 {
		t.Errorf("a skipped notification was logged as sent")
	}
}

type panicSender struct{}

func (panicSender) Name() string                      { return "panic" }
func (panicSender) Send(context.Context, Event) error { panic("boom") }

func TestDeliverSurvivesPanic(t *testing.T) {
	var rec recorder
	d := NewDispatcher(Options{Sleep: rec.sleep, OnFailure: rec.onFailure}, panicSender{})
	d.deliver(context.Background(), Event{})
	if _, failures := rec.snapshot(); !cmp.Equal(failures, []string{"panic"}) {
		t.Errorf("OnFailure calls = %v, want [panic]", failures)
	}
}

func TestNotifyWithoutSenders(t *testing.T) {
	d := NewDispatcher(Options{QueueSize: 1})
	for range 10 {
		d.Notify(Event{})
	}
	if len(d.queue) != 0 {
		t.Errorf("queued %d events with no sender", len(d.queue))
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"2", 2 * time.Second},
		{"-1", 0},
		{"soon", 0},
		{"99999999999999999", time.Duration(1<<31) * time.Second},
		{"Mon, 23 Nov 2026 10:00:30 GMT", 30 * time.Second},
		{"Mon, 23 Nov 2026 09:00:00 GMT", 0},
	}
	for _, tt := range tests {
		if got := parseRetryAfter(tt.in, now); got != tt.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestStatusErrorPermanent(t *testing.T) {
	for code, want := range map[int]bool{
		302: true, 400: true, 403: true, 404: true, 410: true,
		429: false, 500: false, 502: false, 503: false,
	} {
		if got := errors.Is(&StatusError{Code: code}, ErrPermanent); got != want {
			t.Errorf("status %d permanent = %v, want %v", code, got, want)
		}
	}
}
