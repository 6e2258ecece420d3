package notify

import (
	"context"
	"strings"
	"testing"

	"github.com/necoship/neco/pkg/model"
)

func TestWebhookPayload(t *testing.T) {
	const url = "https://github.com/o/r/releases/tag/release-2026.11.23-1"
	tests := []struct {
		name string
		e    Event
		want string
	}{
		{"started", Started(testUpdate(), "production", url), `{
			"kind": "started", "update_id": 42, "version": "2026.11.23-1",
			"tag": "release-2026.11.23-1", "env": "production", "site": "", "reason": "update",
			"servers": [0, 1, 2], "started_at": "2026-11-23T10:00:00Z",
			"release_url": "https://github.com/o/r/releases/tag/release-2026.11.23-1"}`},
		{"completed", Finished(testUpdate(), testHistory(model.ResultCompleted, ""), "production", url), `{
			"kind": "completed", "update_id": 42, "version": "2026.11.23-1",
			"tag": "release-2026.11.23-1", "env": "production", "site": "", "reason": "update",
			"servers": [0, 1, 2], "started_at": "2026-11-23T10:00:00Z",
			"finished_at": "2026-11-23T10:12:30Z", "duration_seconds": 750,
			"release_url": "https://github.com/o/r/releases/tag/release-2026.11.23-1"}`},
		{"aborted", Finished(testUpdate(), testHistory(model.ResultAborted, "worker 2: dpkg failed"), "staging", ""), `{
			"kind": "aborted", "update_id": 42, "version": "2026.11.23-1",
			"tag": "release-2026.11.23-1", "env": "staging", "site": "", "reason": "update",
			"servers": [0, 1, 2], "started_at": "2026-11-23T10:00:00Z",
			"finished_at": "2026-11-23T10:12:30Z", "duration_seconds": 750,
			"message": "worker 2: dpkg failed"}`},
		{"timedout", Finished(testUpdate(), testHistory(model.ResultTimedOut, "worker 1: no report"), "staging", ""), `{
			"kind": "timedout", "update_id": 42, "version": "2026.11.23-1",
			"tag": "release-2026.11.23-1", "env": "staging", "site": "", "reason": "update",
			"servers": [0, 1, 2], "started_at": "2026-11-23T10:00:00Z",
			"finished_at": "2026-11-23T10:12:30Z", "duration_seconds": 750,
			"message": "worker 1: no report"}`},
		{"a named site", func() Event {
			e := Started(testUpdate(), "production", "")
			e.Site = "tokyo0"
			return e
		}(), `{
			"kind": "started", "update_id": 42, "version": "2026.11.23-1",
			"tag": "release-2026.11.23-1", "env": "production", "site": "tokyo0", "reason": "update",
			"servers": [0, 1, 2], "started_at": "2026-11-23T10:00:00Z"}`},
		{"awaiting approval", AwaitingApproval(model.Candidate{Version: model.MustParseVersion("2026.11.24-1"),
			Tag: "release-2026.11.24-1", Since: testStart}, "production", ""), `{
			"kind": "awaiting-approval", "update_id": 0, "version": "2026.11.24-1",
			"tag": "release-2026.11.24-1", "env": "production", "site": "", "reason": "",
			"servers": [], "started_at": "2026-11-23T10:00:00Z",
			"message": "approve with: neco update approve 2026.11.24-1"}`},
		{"zero-second update, no servers", Event{Kind: KindCompleted, UpdateID: 1, Version: "1",
			Reason: "rollback", StartedAt: testStart, FinishedAt: testStart}, `{
			"kind": "completed", "update_id": 1, "version": "1", "tag": "", "env": "", "site": "",
			"reason": "rollback", "servers": [], "started_at": "2026-11-23T10:00:00Z",
			"finished_at": "2026-11-23T10:00:00Z", "duration_seconds": 0}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newHookServer(t, reply{code: 204})
			if err := NewWebhook(srv.URL+"/hook", nil).Send(context.Background(), tt.e); err != nil {
				t.Fatalf("Send() = %v", err)
			}
			if diff := diffJSON(t, tt.want, srv.lastBody(t)); diff != "" {
				t.Errorf("payload mismatch (-want +got):\n%s", diff)
			}
			h := srv.headers[0]
			if got := h.Get("Content-Type"); got != "application/json" {
				t.Errorf("Content-Type = %q", got)
			}
			if got := h.Get("User-Agent"); !strings.HasPrefix(got, "neco/") {
				t.Errorf("User-Agent = %q, want neco/...", got)
			}
		})
	}
}

func TestWebhookName(t *testing.T) {
	if got := NewWebhook("https://example.com/secret", nil).Name(); got != "webhook" {
		t.Errorf("Name() = %q", got)
	}
	if got := NewSlack("https://example.com/secret", nil).Name(); got != "slack" {
		t.Errorf("Name() = %q", got)
	}
}
