package releases

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// deliver posts body as event, signed with sign ("" = unsigned), to a
// handler for example/site with secret, and returns the status code, the
// reasons OnRejected was told and whether a check was triggered.
func deliver(t testing.TB, secret, event, body, sign string) (int, []error, bool) {
	t.Helper()
	trig := NewTrigger()
	h, err := NewWebhookHandler([]byte(secret), "example/site", trig, nil)
	if err != nil {
		t.Fatal(err)
	}
	var rejected []error
	h.OnRejected = func(err error) { rejected = append(rejected, err) }
	req := httptest.NewRequest(http.MethodPost, "/webhook", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", event)
	if sign != "" {
		req.Header.Set("X-Hub-Signature-256", sign)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	fired := false
	select {
	case <-trig.C():
		fired = true
	default:
	}
	return rec.Code, rejected, fired
}

// TestWebhookRejections: a body over the limit is 413, a bad signature
// 403; both are reported to OnRejected (which counts and rate-limits the
// log) and trigger nothing. A valid delivery is not reported.
func TestWebhookRejections(t *testing.T) {
	const secret = "s3cret-s3cret-s3cret"
	big := `{"pad":"` + strings.Repeat("x", maxWebhookBody) + `"}`
	ok := releaseEventJSON("example/site", "published", "release-1.0")
	for _, tt := range []struct {
		name       string
		body, sign string
		wantCode   int
		wantReason error // nil: not rejected
	}{
		{"over the limit, validly signed", big, signBody(secret, big), 413, ErrWebhookTooLarge},
		{"over the limit, unsigned", big, "", 413, ErrWebhookTooLarge},
		{"bad signature", ok, signBody("other", ok), 403, nil},
		{"valid", ok, signBody(secret, ok), 202, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, rejected, fired := deliver(t, secret, "release", tt.body, tt.sign)
			if code != tt.wantCode {
				t.Errorf("code %d, want %d", code, tt.wantCode)
			}
			if fired != (code == 202) {
				t.Errorf("fired %v with code %d", fired, code)
			}
			wantRejected := code == 403 || code == 413
			if (len(rejected) == 1) != wantRejected || len(rejected) > 1 {
				t.Fatalf("OnRejected told %v, want one call: %v", rejected, wantRejected)
			}
			if tt.wantReason != nil && !errors.Is(rejected[0], tt.wantReason) {
				t.Errorf("reason %v, want %v", rejected[0], tt.wantReason)
			}
		})
	}
}

// FuzzWebhookHandler: whatever arrives, the handler answers one of its
// codes, triggers a check only for a validly signed release event of the
// repository, and reports exactly the deliveries it refused unverified.
func FuzzWebhookHandler(f *testing.F) {
	const secret = "fuzz-secret-0123456789"
	ok := releaseEventJSON("example/site", "published", "release-1.0")
	f.Add("release", ok, true)
	f.Add("release", releaseEventJSON("evil/site", "published", "release-1.0"), true)
	f.Add("ping", `{"zen":"z"}`, true)
	f.Add("release", `{"action": 5}`, true)
	f.Add("release", ok, false)
	f.Add("push", "", false)
	f.Fuzz(func(t *testing.T, event, body string, signed bool) {
		sign := "sha256=00"
		if signed {
			sign = signBody(secret, body)
		}
		code, rejected, fired := deliver(t, secret, event, body, sign)
		switch code {
		case 200, 202, 204, 400, 403, 413:
		default:
			t.Fatalf("code %d", code)
		}
		if fired != (code == 202) {
			t.Fatalf("fired %v with code %d", fired, code)
		}
		if fired && !signed {
			t.Fatal("an unsigned delivery triggered a check")
		}
		if (len(rejected) == 1) != (code == 403 || code == 413) || len(rejected) > 1 {
			t.Fatalf("code %d, OnRejected told %v", code, rejected)
		}
	})
}
