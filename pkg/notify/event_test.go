package notify

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/necoship/neco/pkg/model"
)

func TestStarted(t *testing.T) {
	u := testUpdate()
	got := Started(u, "production", "https://example.com/r")
	want := Event{
		Kind: KindStarted, UpdateID: 42, Version: "2026.11.23-1", Tag: "release-2026.11.23-1",
		Env: "production", Reason: "update", Servers: []int{0, 1, 2},
		StartedAt: testStart, ReleaseURL: "https://example.com/r",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Started() mismatch (-want +got):\n%s", diff)
	}
	u.Servers[0] = 99
	if got.Servers[0] != 0 {
		t.Error("Started() shares the update's Servers slice")
	}
}

func TestFinished(t *testing.T) {
	base := Event{
		UpdateID: 42, Version: "2026.11.23-1", Tag: "release-2026.11.23-1",
		Env: "production", Reason: "update", Servers: []int{0, 1, 2},
		StartedAt: testStart, FinishedAt: testFinish,
	}
	with := func(f func(*Event)) Event { e := base; f(&e); return e }
	tests := []struct {
		name string
		h    model.HistoryEntry
		want Event
	}{
		{"completed", testHistory(model.ResultCompleted, ""),
			with(func(e *Event) { e.Kind = KindCompleted })},
		{"aborted", testHistory(model.ResultAborted, "worker 2: dpkg failed"),
			with(func(e *Event) { e.Kind = KindAborted; e.Message = "worker 2: dpkg failed" })},
		{"timedout", testHistory(model.ResultTimedOut, "worker 1: no report for 30m"),
			with(func(e *Event) { e.Kind = KindTimedOut; e.Message = "worker 1: no report for 30m" })},
		{"unknown result passes through", testHistory("vanished", ""),
			with(func(e *Event) { e.Kind = "vanished" })},
		{"history wins over update", func() model.HistoryEntry {
			h := testHistory(model.ResultCompleted, "")
			h.Servers = []int{0, 1}
			h.Reason = model.ReasonReconfigure
			return h
		}(), with(func(e *Event) { e.Kind = KindCompleted; e.Servers = []int{0, 1}; e.Reason = "reconfigure" })},
		{"update fills an empty history", model.HistoryEntry{Result: model.ResultCompleted, FinishedAt: testFinish},
			with(func(e *Event) { e.Kind = KindCompleted })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Finished(testUpdate(), tt.h, "production", "")
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Finished() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEventDuration(t *testing.T) {
	tests := []struct {
		name   string
		e      Event
		want   time.Duration
		wantOK bool
	}{
		{"finished", Event{StartedAt: testStart, FinishedAt: testFinish}, 750 * time.Second, true},
		{"started", Event{StartedAt: testStart}, 0, false},
		{"clock went backwards", Event{StartedAt: testFinish, FinishedAt: testStart}, 0, false},
		{"no start", Event{FinishedAt: testFinish}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tt.e.duration()
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("duration() = %v, %v; want %v, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}
