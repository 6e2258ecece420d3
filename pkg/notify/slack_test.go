package notify

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/necoship/neco/pkg/model"
)

func TestSlackMessage(t *testing.T) {
	tests := []struct {
		name string
		e    Event
		want string
	}{
		{"started", Started(testUpdate(), "production", "https://github.com/o/r/releases/tag/release-2026.11.23-1"), `{
			"text": "neco update 42 started: 2026.11.23-1 on production (reason update, servers 0, 1, 2)",
			"blocks": [
				{"type": "header", "text": {"type": "plain_text", "text": "neco update 42 started: 2026.11.23-1"}},
				{"type": "section", "fields": [
					{"type": "mrkdwn", "text": "*Version*\n2026.11.23-1"},
					{"type": "mrkdwn", "text": "*Env*\nproduction"},
					{"type": "mrkdwn", "text": "*Reason*\nupdate"},
					{"type": "mrkdwn", "text": "*Servers*\n0, 1, 2"},
					{"type": "mrkdwn", "text": "*Release*\n<https://github.com/o/r/releases/tag/release-2026.11.23-1|release-2026.11.23-1>"}
				]}
			]}`},
		{"automatic rollback started", rolledBack(Started(testUpdate(), "production", "")), `{
			"text": "neco update 42 started: 2026.11.23-1 on production (reason update, servers 0, 1, 2): rolled back automatically: update 41 to 2026.11.23-2 was aborted",
			"blocks": [
				{"type": "header", "text": {"type": "plain_text", "text": "neco update 42 started: 2026.11.23-1"}},
				{"type": "section", "fields": [
					{"type": "mrkdwn", "text": "*Version*\n2026.11.23-1"},
					{"type": "mrkdwn", "text": "*Env*\nproduction"},
					{"type": "mrkdwn", "text": "*Reason*\nupdate"},
					{"type": "mrkdwn", "text": "*Servers*\n0, 1, 2"}
				]},
				{"type": "section", "text": {"type": "mrkdwn", "text": "rolled back automatically: update 41 to 2026.11.23-2 was aborted"}}
			]}`},
		{"a named site", func() Event {
			e := Finished(testUpdate(), testHistory(model.ResultCompleted, ""), "staging", "")
			e.Site = "tokyo0"
			return e
		}(), `{
			"text": "tokyo0: neco update 42 completed: 2026.11.23-1 on staging (reason update, servers 0, 1, 2, duration 12m30s)",
			"blocks": [
				{"type": "header", "text": {"type": "plain_text", "text": "tokyo0: neco update 42 completed: 2026.11.23-1"}},
				{"type": "section", "fields": [
					{"type": "mrkdwn", "text": "*Version*\n2026.11.23-1"},
					{"type": "mrkdwn", "text": "*Env*\nstaging"},
					{"type": "mrkdwn", "text": "*Site*\ntokyo0"},
					{"type": "mrkdwn", "text": "*Reason*\nupdate"},
					{"type": "mrkdwn", "text": "*Servers*\n0, 1, 2"},
					{"type": "mrkdwn", "text": "*Duration*\n12m30s"}
				]}
			]}`},
		{"aborted", Finished(testUpdate(), testHistory(model.ResultAborted, "<!channel> worker 2: dpkg & friends failed"), "staging", ""), `{
			"text": "neco update 42 aborted: 2026.11.23-1 on staging (reason update, servers 0, 1, 2, duration 12m30s): &lt;!channel&gt; worker 2: dpkg &amp; friends failed",
			"blocks": [
				{"type": "header", "text": {"type": "plain_text", "text": "neco update 42 aborted: 2026.11.23-1"}},
				{"type": "section", "fields": [
					{"type": "mrkdwn", "text": "*Version*\n2026.11.23-1"},
					{"type": "mrkdwn", "text": "*Env*\nstaging"},
					{"type": "mrkdwn", "text": "*Reason*\nupdate"},
					{"type": "mrkdwn", "text": "*Servers*\n0, 1, 2"},
					{"type": "mrkdwn", "text": "*Duration*\n12m30s"}
				]},
				{"type": "section", "text": {"type": "mrkdwn", "text": "*Failure*\n&lt;!channel&gt; worker 2: dpkg &amp; friends failed"}}
			]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newHookServer(t, reply{code: 200, body: "ok"})
			if err := NewSlack(srv.URL+"/services/T/B/X", nil).Send(context.Background(), tt.e); err != nil {
				t.Fatalf("Send() = %v", err)
			}
			if diff := diffJSON(t, tt.want, srv.lastBody(t)); diff != "" {
				t.Errorf("message mismatch (-want +got):\n%s", diff)
			}
			if got := srv.headers[0].Get("Content-Type"); got != "application/json" {
				t.Errorf("Content-Type = %q", got)
			}
		})
	}
}

func TestSlackHeadline(t *testing.T) {
	tests := []struct {
		kind Kind
		want string
	}{
		{KindCompleted, "neco update 7 completed: 1.0"},
		{KindTimedOut, "neco update 7 timed out: 1.0"},
		{"vanished", "neco update 7 ended: vanished: 1.0"},
	}
	for _, tt := range tests {
		if got := headline(Event{Kind: tt.kind, UpdateID: 7, Version: "1.0"}); got != tt.want {
			t.Errorf("headline(%s) = %q, want %q", tt.kind, got, tt.want)
		}
	}
}

// A failure message of any length must still fit Slack's limits, or Slack
// rejects the whole message.
func TestSlackLimits(t *testing.T) {
	e := Event{Kind: KindAborted, Version: strings.Repeat("9", 200), Message: strings.Repeat("é", 5000)}
	m := newSlackMessage(e)
	if n := utf8.RuneCountInString(m.Blocks[0].Text.Text); n > slackHeaderMax {
		t.Errorf("header has %d characters, max %d", n, slackHeaderMax)
	}
	for _, f := range m.Blocks[1].Fields {
		if n := utf8.RuneCountInString(f.Text); n > slackFieldMax {
			t.Errorf("field has %d characters, max %d", n, slackFieldMax)
		}
	}
	if n := utf8.RuneCountInString(m.Blocks[2].Text.Text); n > slackSectionMax {
		t.Errorf("failure section has %d characters, max %d", n, slackSectionMax)
	}
}

func TestSlackLink(t *testing.T) {
	tests := []struct{ url, label, want string }{
		{"https://e.com/r", "tag", "<https://e.com/r|tag>"},
		{"https://e.com/r", "", "<https://e.com/r|https://e.com/r>"},
		{"https://e.com/a?x=1&y=|>", "a<b", "<https://e.com/a?x=1&amp;y=%7C%3E|a&lt;b>"},
	}
	for _, tt := range tests {
		if got := slackLink(tt.url, tt.label); got != tt.want {
			t.Errorf("slackLink(%q, %q) = %q, want %q", tt.url, tt.label, got, tt.want)
		}
	}
}

// rolledBack is e as the updater sends the start of an automatic rollback.
func rolledBack(e Event) Event {
	e.Message = "rolled back automatically: update 41 to 2026.11.23-2 was aborted"
	return e
}

// TestSlackAwaitingApproval: the announcement of a release waiting for
// approval names it, links it and gives the command to run.
func TestSlackAwaitingApproval(t *testing.T) {
	c := model.Candidate{Version: model.MustParseVersion("2026.11.24-1"), Tag: "release-2026.11.24-1", Since: testStart}
	e := AwaitingApproval(c, "production", "https://github.com/o/r/releases/tag/release-2026.11.24-1")
	e.Site = "tokyo0"
	srv := newHookServer(t, reply{code: 200, body: "ok"})
	if err := NewSlack(srv.URL+"/services/T/B/X", nil).Send(context.Background(), e); err != nil {
		t.Fatalf("Send() = %v", err)
	}
	want := `{
		"text": "tokyo0: neco: release 2026.11.24-1 is awaiting approval on production: approve with: neco update approve 2026.11.24-1",
		"blocks": [
			{"type": "header", "text": {"type": "plain_text", "text": "tokyo0: neco: release 2026.11.24-1 is awaiting approval"}},
			{"type": "section", "fields": [
				{"type": "mrkdwn", "text": "*Version*\n2026.11.24-1"},
				{"type": "mrkdwn", "text": "*Env*\nproduction"},
				{"type": "mrkdwn", "text": "*Site*\ntokyo0"},
				{"type": "mrkdwn", "text": "*Release*\n<https://github.com/o/r/releases/tag/release-2026.11.24-1|release-2026.11.24-1>"}
			]},
			{"type": "section", "text": {"type": "mrkdwn", "text": "approve with: neco update approve 2026.11.24-1"}}
		]}`
	if diff := diffJSON(t, want, srv.lastBody(t)); diff != "" {
		t.Errorf("message mismatch (-want +got):\n%s", diff)
	}
}
