package releases

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func releaseEventJSON(repo, action, tag string) string {
	return `{"action":"` + action + `","release":{"id":1,"tag_name":"` + tag + `","draft":false,"prerelease":true},` +
		`"repository":{"id":2,"name":"site","full_name":"` + repo + `"},"sender":{"login":"octocat"}}`
}

func signBody(secret, body string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(body))
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

func TestWebhookHandler(t *testing.T) {
	const secret = "s3cret"
	tests := []struct {
		name      string
		method    string
		event     string
		body      string
		signature string // "" = sign correctly
		wantCode  int
		wantFired bool
	}{
		{name: "release published", event: "release", body: releaseEventJSON("example/site", "published", "release-1.0"), wantCode: 202, wantFired: true},
		{name: "pre-release", event: "release", body: releaseEventJSON("example/site", "prereleased", "release-1.1"), wantCode: 202, wantFired: true},
		{name: "bad signature", event: "release", body: releaseEventJSON("example/site", "published", "release-1.0"), signature: signBody("wrong", "x"), wantCode: 403},
		{name: "missing signature", event: "release", body: releaseEventJSON("example/site", "published", "release-1.0"), signature: "none", wantCode: 403},
		{name: "other repository", event: "release", body: releaseEventJSON("evil/site", "published", "release-1.0"), wantCode: 204},
		{name: "ping", event: "ping", body: `{"zen":"Keep it logically awesome.","hook_id":1}`, wantCode: 200},
		{name: "other event ignored", event: "push", body: `{"ref":"refs/heads/main"}`, wantCode: 204},
		{name: "malformed release event", event: "release", body: `{"action": 5}`, wantCode: 400},
		{name: "GET refused", method: http.MethodGet, event: "release", body: "", wantCode: 405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			trig := NewTrigger()
			h, err := NewWebhookHandler([]byte(secret), "example/site", trig, nil)
			if err != nil {
				t.Fatal(err)
			}
			method := tt.method
			if method == "" {
				method = http.MethodPost
			}
			req := httptest.NewRequest(method, "/webhook", strings.NewReader(tt.body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-GitHub-Event", tt.event)
			switch tt.signature {
			case "":
				req.Header.Set("X-Hub-Signature-256", signBody(secret, tt.body))
			case "none":
			default:
				req.Header.Set("X-Hub-Signature-256", tt.signature)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.wantCode {
				t.Errorf("code = %d, want %d (%s)", rec.Code, tt.wantCode, rec.Body.String())
			}
			fired := false
			select {
			case <-trig.C():
				fired = true
			default:
			}
			if fired != tt.wantFired {
				t.Errorf("fired = %v, want %v", fired, tt.wantFired)
			}
		})
	}
}

func TestWebhookRequiresSecret(t *testing.T) {
	if _, err := NewWebhookHandler(nil, "example/site", NewTrigger(), nil); err == nil {
		t.Error("accepted an empty secret")
	}
}

func TestTriggerCoalesces(t *testing.T) {
	trig := NewTrigger()
	for range 10 {
		trig.Fire()
	}
	<-trig.C()
	select {
	case <-trig.C():
		t.Error("ten fires delivered more than one pending check")
	default:
	}
}

// failingRequester cannot pass a delivery on (etcd unreachable).
type failingRequester struct{}

func (failingRequester) RequestCheck(context.Context) error { return errors.New("etcd unreachable") }

// TestWebhookRequestFails: a delivery that could not be passed on is
// answered 503, so that GitHub shows it failed and it can be redelivered.
func TestWebhookRequestFails(t *testing.T) {
	const secret = "s3cret"
	h, err := NewWebhookHandler([]byte(secret), "example/site", failingRequester{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	body := releaseEventJSON("example/site", "published", "release-1.0")
	req := httptest.NewRequest(http.MethodPost, "/webhook", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", "release")
	req.Header.Set("X-Hub-Signature-256", signBody(secret, body))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("code = %d, want 503 (%s)", rec.Code, rec.Body.String())
	}
}
