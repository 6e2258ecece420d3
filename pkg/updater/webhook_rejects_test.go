package updater

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/necoship/neco/pkg/releases"
	"github.com/necoship/neco/pkg/storage"
)

// TestRejectSummary: every refused delivery is counted; the log gets at
// most one line a minute, carrying how many were refused since the last.
func TestRejectSummary(t *testing.T) {
	core, logs := observer.New(zapcore.WarnLevel)
	now := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	var counted []string
	r := newRejectSummary(zap.New(core), func() time.Time { return now }, func(reason string) { counted = append(counted, reason) })
	bad := errors.New("bad signature")
	r.add(rejectSignature, bad) // logged: the first
	for range 1000 {
		now = now.Add(10 * time.Millisecond)
		r.add(rejectSignature, bad)
	}
	now = now.Add(rejectLogEvery)
	r.add(rejectTooLarge, bad) // logged: a minute later, with the 1000 before it
	if len(counted) != 1002 {
		t.Errorf("counted %d deliveries, want 1002", len(counted))
	}
	var got []int64
	for _, e := range logs.All() {
		got = append(got, e.ContextMap()[keyCount].(int64))
	}
	if diff := cmp.Diff([]int64{1, 1001}, got); diff != "" {
		t.Errorf("log lines' counts (-want +got):\n%s", diff)
	}
}

// fakeConfig is a ConfigReader of fixed values.
type fakeConfig struct {
	get func(name string) (string, error)
}

var _ ConfigReader = (*fakeConfig)(nil)

func (f *fakeConfig) GetConfig(_ context.Context, name string) (string, error) { return f.get(name) }

// TestWebhookEndpointCountsRejections: deliveries refused before
// authentication reach the metric with their reason and the answer GitHub
// documents for them.
func TestWebhookEndpointCountsRejections(t *testing.T) {
	values := map[string]string{"github-repo": "example/site"}
	var counted []string
	e := &WebhookEndpoint{
		Config: &fakeConfig{get: func(name string) (string, error) {
			if v, ok := values[name]; ok {
				return v, nil
			}
			return "", storage.ErrNotFound
		}},
		Checks: releases.NewTrigger(), Log: zap.NewNop(),
		Rejected: func(reason string) { counted = append(counted, reason) },
	}
	post := func(body string) int {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-GitHub-Event", "release")
		req.Header.Set("X-Hub-Signature-256", "sha256=00")
		e.ServeHTTP(rec, req)
		return rec.Code
	}
	codes := []int{post("{}")} // no secret yet
	values["github-webhook-secret"] = "0123456789abcdef0123"
	codes = append(codes, post("{}"), post(`{"pad":"`+strings.Repeat("x", 6<<20)+`"}`))
	if diff := cmp.Diff([]int{503, 403, 413}, codes); diff != "" {
		t.Errorf("codes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{rejectSecretUnset, rejectSignature, rejectTooLarge}, counted); diff != "" {
		t.Errorf("counted reasons (-want +got):\n%s", diff)
	}
}
