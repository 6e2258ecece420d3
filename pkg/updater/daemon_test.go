package updater

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/necoship/neco/pkg/config"
	"github.com/necoship/neco/pkg/etcdconn"
	"github.com/necoship/neco/pkg/etcdmember"
	"github.com/necoship/neco/pkg/etcdtest"
	"github.com/necoship/neco/pkg/mirror"
	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/storage"
)

// waitListening waits until addr accepts connections.
func waitListening(t *testing.T, addr string) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("nothing listens on %s: %v", addr, err)
		}
	}
}

const testWebhookSecret = "0123456789abcdef-secret"

// deliver posts a release event for tag as GitHub would, signed with
// secret (unsigned when secret is empty), and returns the status code.
func deliver(t *testing.T, addr, secret, tag string) int {
	t.Helper()
	body := fmt.Appendf(nil, `{"action":"published","repository":{"full_name":"example/site"},"release":{"tag_name":%q}}`, tag)
	req, err := http.NewRequest(http.MethodPost, "http://"+addr+"/", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", "release")
	if secret != "" {
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write(body)
		req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestDaemonEmbeddedWithWebhook runs neco-updater as a single-server site
// does: on the embedded member in its data directory (which neco-etcd
// runs), polling a mirror once a day, and a signed release webhook that
// makes it check at once.
func TestDaemonEmbeddedWithWebhook(t *testing.T) {
	dir := t.TempDir()
	publish := func(tag string) {
		t.Helper()
		if _, err := mirror.Publish(dir, mirror.PublishRequest{Repo: "example/site", Tag: tag, NoChecksums: true}); err != nil {
			t.Fatal(err)
		}
	}
	publish("release-1.0")
	api := httptest.NewServer(mirror.NewServer(dir, mirror.ServerOptions{}))
	t.Cleanup(api.Close)

	local := config.DefaultLocal()
	local.DataDir = t.TempDir()
	local.Etcd.EmbeddedClientURL = "https://" + etcdtest.FreeAddr(t)
	local.Etcd.EmbeddedPeerURL = "https://" + etcdtest.FreeAddr(t)
	local.WebhookListen = etcdtest.FreeAddr(t)
	local.MetricsListen = etcdtest.FreeAddr(t)
	member, err := etcdmember.StartMember(t.Context(), local.DataDir, local.Etcd, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(member.Close)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	sm := &recordingService{}
	go func() {
		done <- RunDaemon(ctx, DaemonOptions{Local: local, Name: "boot-0", Log: zap.NewNop(), Service: sm})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("RunDaemon after cancel: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("RunDaemon did not stop after cancel")
		}
	})

	var client *storage.Storage
	for deadline := time.Now().Add(20 * time.Second); client == nil; time.Sleep(50 * time.Millisecond) {
		c, err := etcdconn.Dial(ctx, local, etcdconn.DialOptions{ProbeTimeout: time.Second})
		if err == nil {
			t.Cleanup(func() { c.Close() })
			client = storage.New(c, local.Etcd.Prefix)
		} else if time.Now().After(deadline) {
			t.Fatalf("embedded etcd never answered: %v", err)
		}
	}
	// The webhook server starts beside the loop, after etcd answers.
	waitListening(t, local.WebhookListen)
	// Unsigned or unconfigured deliveries are refused.
	if code := deliver(t, local.WebhookListen, testWebhookSecret, "release-1.0"); code != http.StatusServiceUnavailable {
		t.Errorf("delivery before the secret is set: status %d, want 503", code)
	}
	for k, v := range map[string]string{
		"env": "staging", "github-repo": "example/site", "github-api-url": api.URL,
		"check-update-interval": "24h", "github-webhook-secret": testWebhookSecret,
	} {
		if err := client.PutConfig(ctx, k, v, model.ConfigAuthor{By: "test", At: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	seen := func(tag string) {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			snap, err := client.Snapshot(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if snap.Seen != nil && snap.Seen.Tag == tag {
				return
			}
		}
		t.Fatalf("info/release never became %s", tag)
	}
	seen("release-1.0") // the config change itself triggers a check

	publish("release-1.1")
	if code := deliver(t, local.WebhookListen, "", "release-1.1"); code != http.StatusForbidden {
		t.Errorf("unsigned delivery: status %d, want 403", code)
	}
	if code := deliver(t, local.WebhookListen, "wrong-secret-0123456789", "release-1.1"); code != http.StatusForbidden {
		t.Errorf("delivery signed with another secret: status %d, want 403", code)
	}
	if code := deliver(t, local.WebhookListen, testWebhookSecret, "release-1.1"); code != http.StatusAccepted {
		t.Fatalf("signed delivery: status %d, want 202", code)
	}
	seen("release-1.1") // within a day only the webhook explains it

	name, err := client.ElectionLeader(ctx, client.LeaderUpdaterKey())
	if err != nil || name != "boot-0" {
		t.Errorf("updater leader = %q, %v; want boot-0", name, err)
	}

	states := sm.states()
	if !slices.Contains(states, "READY=1") {
		t.Errorf("never told systemd READY=1; sent %q", states)
	}
	if !slices.ContainsFunc(states, func(s string) bool { return strings.HasPrefix(s, "STATUS=leading: ") }) {
		t.Errorf("no STATUS=leading line; sent %q", states)
	}
	body := get(t, "http://"+local.MetricsListen+"/metrics")
	for _, series := range []string{`neco_leader{role="updater"} 1`, `neco_release_checks_total{result="ok"}`, `neco_github_requests_total{code="200"}`, `neco_build_info{version=`} {
		if !strings.Contains(body, series) {
			t.Errorf("/metrics has no %s", series)
		}
	}
}

// recordingService is the service manager of a daemon under test: it
// keeps what the daemon told systemd.
type recordingService struct {
	mu   sync.Mutex
	sent []string
}

func (r *recordingService) Notify(state string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, state)
	return nil
}

func (r *recordingService) WatchdogInterval() time.Duration { return time.Minute }

func (r *recordingService) states() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.sent)
}

// get returns the body of a 200 answer to GET url.
func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s %v", url, resp.Status, err)
	}
	return string(b)
}
