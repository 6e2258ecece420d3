package notify

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// marker stands for the credential in a webhook URL's path. It is
// lowercase letters and underscores on purpose: exactly what safeDetail
// would otherwise quote from a response body.
const marker = "secret_marker_do_not_log"

// TestSecretsNeverLeak drives both senders into every kind of failure with
// the marker in the URL, and checks that neither the returned errors nor
// any log line contains it.
func TestSecretsNeverLeak(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	hanging, _ := newHangingServer(t)
	tests := []struct {
		name string
		url  func(t *testing.T) string
	}{
		{"404 echoing the path", scripted(reply{code: 404, body: "Cannot POST /hooks/" + marker})},
		{"400 whose body is the secret", scripted(reply{code: 400, body: marker})},
		{"500 echoing the path", scripted(reply{code: 500, body: "no route " + marker})},
		{"redirect to the secret", scripted(reply{code: 307, header: map[string]string{"Location": "/other/" + marker}})},
		{"connection refused", func(*testing.T) string { return closed.URL + "/hooks/" + marker }},
		{"attempt timeout", func(*testing.T) string { return hanging.URL + "/hooks/" + marker }},
		{"unparsable URL", func(*testing.T) string { return "http://[::1/hooks/" + marker }},
		{"wrong scheme", func(*testing.T) string { return "ftp://example.com/hooks/" + marker }},
		{"secret in the query", func(*testing.T) string { return closed.URL + "/hooks?token=" + marker }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := tt.url(t)
			for _, s := range []Sender{NewSlack(url, nil), NewWebhook(url, nil)} {
				ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
				err := s.Send(ctx, Started(testUpdate(), "production", ""))
				cancel()
				if err == nil {
					t.Fatalf("%s: Send() succeeded", s.Name())
				}
				if strings.Contains(err.Error(), marker) {
					t.Errorf("%s: error leaks the URL: %v", s.Name(), err)
				}
				checkLogsClean(t, s)
			}
		})
	}
}

// checkLogsClean runs a whole failing delivery through a Dispatcher and
// searches every log line for the marker.
func checkLogsClean(t *testing.T, s Sender) {
	t.Helper()
	log, logs := observedLogger()
	var rec recorder
	d := NewDispatcher(Options{Logger: log, Sleep: rec.sleep, Attempts: 2, Timeout: 100 * time.Millisecond}, s)
	d.deliver(context.Background(), Started(testUpdate(), "production", ""))
	text := logText(logs)
	if !strings.Contains(text, "notification failed") {
		t.Fatalf("%s: no failure logged:\n%s", s.Name(), text)
	}
	if strings.Contains(text, marker) {
		t.Errorf("%s: logs leak the URL:\n%s", s.Name(), text)
	}
}

func scripted(r reply) func(t *testing.T) string {
	return func(t *testing.T) string { return newHookServer(t, r).URL + "/hooks/" + marker }
}

func TestSafeDetail(t *testing.T) {
	const target = "https://hooks.example.com/services/T0/B0/abc_def"
	tests := []struct{ body, want string }{
		{"invalid_payload", "invalid_payload"},
		{" channel_is_archived\n", "channel_is_archived"},
		{"abc_def", ""},   // part of the URL
		{"ABC_DEF", ""},   // part of the URL, case aside
		{"Not Found", ""}, // not a code: could say anything
		{"", ""},
		{strings.Repeat("x", maxDetail+1), ""},
	}
	for _, tt := range tests {
		if got := safeDetail([]byte(tt.body), target); got != tt.want {
			t.Errorf("safeDetail(%q) = %q, want %q", tt.body, got, tt.want)
		}
	}
}
