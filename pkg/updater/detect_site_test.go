package updater

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/necoship/neco/pkg/config"
	"github.com/necoship/neco/pkg/etcdtest"
	"github.com/necoship/neco/pkg/mirror"
	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/storage"
)

// detectTimeout bounds every wait of the detection benchmark: a release
// not detected by then is a failure, not a slow result.
const detectTimeout = 2 * time.Minute

const detectWebhookSecret = "detect-bench-webhook-secret"

// detectSite is a single-server site for BenchmarkDetection and the
// webhook tests: a mirror on loopback whose API requests are logged,
// cluster config in a namespaced etcd, one joined boot server, and the
// real neco-updater (RunDaemon, as the unit runs it) with its webhook
// endpoint when asked for; runFollower adds a second one that does not
// lead.
type detectSite struct {
	b      testing.TB
	dir    string // the mirror's directory
	api    *apiLog
	client *clientv3.Client
	st     *storage.Storage
	minor  int // the newest release is release-1.<minor>

	hookAddr string // the updater's webhook-listen; "" when it only polls
	hooks    *http.Client
	// followerAddr is the webhook-listen of the updater started second,
	// which campaigns while the first leads; "" until runFollower.
	followerAddr string

	exited  chan struct{} // closed when RunDaemon returned
	exitErr error         // what it returned; read after exited
}

// newDetectSite starts a site whose cluster config adds kv to a channel
// that takes release-1.<n>, publishes release-1.0 and lets the updater
// roll it out, so every measurement starts from a site that is up to date.
func newDetectSite(b testing.TB, kv map[string]string, webhook bool) *detectSite {
	b.Helper()
	s := &detectSite{b: b, dir: b.TempDir(), hooks: &http.Client{Transport: &http.Transport{}}}
	b.Cleanup(s.hooks.CloseIdleConnections)
	s.publishRelease("release-1.0")
	s.api = newAPILog(mirror.NewServer(s.dir, mirror.ServerOptions{}))
	api := httptest.NewServer(s.api)
	b.Cleanup(api.Close) // after the updater stops: cleanups run last first
	s.client = srv.Client(b)
	s.st = storage.New(s.client, etcdtest.Prefix(b))
	ctx := context.Background()
	all := map[string]string{"env": "production", "github-repo": "example/site", "github-api-url": api.URL}
	for k, v := range kv {
		all[k] = v
	}
	for k, v := range all {
		if err := s.st.PutConfig(ctx, k, v, model.ConfigAuthor{By: "test", At: time.Now()}); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.st.PutBootserver(ctx, model.Bootserver{LRN: 0, Hostname: "boot-0", JoinedAt: time.Now()}); err != nil {
		b.Fatal(err)
	}
	if webhook {
		s.hookAddr = etcdtest.FreeAddr(b)
	}
	rev := s.revision()
	s.runUpdater("boot-0", s.hookAddr)
	s.complete(s.awaitCurrent(rev, "release-1.0"))
	if webhook {
		s.awaitWebhook(s.hookAddr)
	}
	return s
}

// runFollower starts a second neco-updater with its own webhook endpoint.
// The first one leads (it has rolled out release-1.0), so this one only
// campaigns: a delivery to it must reach the leader through etcd.
func (s *detectSite) runFollower() {
	s.followerAddr = etcdtest.FreeAddr(s.b)
	s.runUpdater("boot-1", s.followerAddr)
	s.awaitWebhook(s.followerAddr)
}

// runUpdater runs neco-updater named name until the benchmark ends:
// production timing (the 5s Controller tick, time.Now), no metrics endpoint.
func (s *detectSite) runUpdater(name, hookAddr string) {
	local := config.DefaultLocal()
	local.Etcd.Endpoints = []string{srv.Endpoint}
	local.Etcd.Prefix = s.st.Prefix()
	local.MetricsListen = ""
	local.WebhookListen = hookAddr
	// Warnings while it runs explain a failure; at shutdown they are only
	// the noise of cancelled etcd calls.
	level := zap.NewAtomicLevelAt(zap.WarnLevel)
	log := zaptest.NewLogger(s.b, zaptest.Level(level))
	ctx, cancel := context.WithCancel(context.Background())
	// The first updater's end fails the waits; a follower's only the
	// cleanup.
	first := s.exited == nil
	exited := make(chan struct{})
	var exitErr error
	go func() {
		defer close(exited)
		exitErr = RunDaemon(ctx, DaemonOptions{Local: local, Name: name, Log: log})
		if first {
			s.exitErr = exitErr
		}
	}()
	if first {
		s.exited = exited
	}
	s.b.Cleanup(func() {
		level.SetLevel(zap.FatalLevel)
		cancel()
		<-exited
		if exitErr != nil {
			s.b.Errorf("neco-updater %s: %v", name, exitErr)
		}
	})
}

// publishRelease adds tag to the mirror, published now.
func (s *detectSite) publishRelease(tag string) {
	s.b.Helper()
	if _, err := mirror.Publish(s.dir, mirror.PublishRequest{Repo: "example/site", Tag: tag, NoChecksums: true}); err != nil {
		s.b.Fatal(err)
	}
}

// nextTag is the tag of the release after the newest, which it makes the
// newest: publishRelease publishes it.
func (s *detectSite) nextTag() string {
	s.minor++
	return fmt.Sprintf("release-1.%d", s.minor)
}

// publishNext publishes the release after the newest and returns its tag.
func (s *detectSite) publishNext() string {
	tag := s.nextTag()
	s.publishRelease(tag)
	return tag
}

// revision is etcd's revision now: a watch from it misses nothing later.
func (s *detectSite) revision() int64 {
	s.b.Helper()
	resp, err := s.client.Get(context.Background(), s.st.StatusCurrentKey())
	if err != nil {
		s.b.Fatal(err)
	}
	return resp.Header.Revision
}

// await watches key for changes after revision rev until match accepts a
// value, failing after detectTimeout or when the updater ends.
func (s *detectSite) await(rev int64, key, what string, match func(value []byte) bool) {
	s.b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), detectTimeout)
	events := s.st.Watch(ctx, rev, key, false)
	defer func() {
		cancel()
		for range events { // the watch goroutine ends when it closes events
		}
	}()
	for {
		select {
		case ev, open := <-events:
			switch {
			case !open:
				s.b.Fatalf("no %s within %s", what, detectTimeout)
			case ev.Compacted:
				s.b.Fatalf("waiting for %s: etcd compacted revision %d", what, ev.Revision)
			case !ev.Deleted && match(ev.Value):
				return
			}
		case <-s.exited:
			s.b.Fatalf("neco-updater ended while waiting for %s: %v", what, s.exitErr)
		}
	}
}

// awaitCurrent returns the update status/current names once it is the
// update to tag, as written after revision rev.
func (s *detectSite) awaitCurrent(rev int64, tag string) model.Update {
	s.b.Helper()
	var u model.Update
	s.await(rev, s.st.StatusCurrentKey(), "status/current for "+tag, func(v []byte) bool {
		return json.Unmarshal(v, &u) == nil && u.Tag == tag
	})
	return u
}

// expectCurrent opens a watch of status/current from now on and returns
// the wait for the update to tag, for the benchmarks' timed part: the
// watch must exist before the updater writes. etcd sends a watch created
// from a past revision (an "unsynced" one, which awaitCurrent's is once the
// updater has written anything since rev, a heartbeat of its election
// key included) its events only at its catch-up loop, every 100 ms, and
// that, not the updater, was what the webhook detection measured.
func (s *detectSite) expectCurrent(tag string) func() model.Update {
	s.b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), detectTimeout)
	wch := s.client.Watch(ctx, s.st.StatusCurrentKey(), clientv3.WithCreatedNotify())
	if resp := <-wch; !resp.Created {
		cancel()
		s.b.Fatalf("watch of status/current: %v", resp.Err())
	}
	return func() model.Update {
		s.b.Helper()
		defer cancel()
		for {
			select {
			case resp, open := <-wch:
				if !open || resp.Err() != nil {
					s.b.Fatalf("no status/current for %s within %s (%v)", tag, detectTimeout, resp.Err())
				}
				for _, ev := range resp.Events {
					var u model.Update
					if json.Unmarshal(ev.Kv.Value, &u) == nil && u.Tag == tag {
						return u
					}
				}
			case <-s.exited:
				s.b.Fatalf("neco-updater ended while waiting for status/current for %s: %v", tag, s.exitErr)
			}
		}
	}
}

// complete reports server 0 through one barrier step and on to completion,
// as harness.completeAll does, and waits for the update's history entry:
// only then may the next release start an update.
func (s *detectSite) complete(u model.Update) {
	s.b.Helper()
	rev := s.revision()
	s.report(u, 1, model.CondRunning)
	s.await(rev, s.st.StatusBarrierKey(), "barrier 1", func(v []byte) bool {
		var b model.Barrier
		return json.Unmarshal(v, &b) == nil && b.ID == u.ID && b.Step == 1
	})
	s.report(u, 2, model.CondCompleted)
	s.await(rev, s.st.HistoryKey(u.ID), fmt.Sprintf("history of update %d", u.ID), func([]byte) bool { return true })
}

func (s *detectSite) report(u model.Update, step int, cond model.Cond) {
	s.b.Helper()
	w := model.WorkerStatus{ID: u.ID, Version: u.Version, Step: step, Cond: cond, UpdatedAt: time.Now()}
	if err := s.st.PutWorkerStatus(context.Background(), 0, w); err != nil {
		s.b.Fatal(err)
	}
}

// deliverRelease sends the release event GitHub sends when tag is
// published to the updater at addr, and fails unless it accepted it.
func (s *detectSite) deliverRelease(addr, tag string) {
	s.b.Helper()
	body := fmt.Appendf(nil, `{"action":"published","release":{"tag_name":%q,"draft":false,"prerelease":false},`+
		`"repository":{"full_name":"example/site"}}`, tag)
	code, err := s.deliver(addr, "release", body)
	if err != nil || code != http.StatusAccepted {
		s.b.Fatalf("release event for %s: status %d, %v; want 202", tag, code, err)
	}
}

// deliver posts one webhook delivery signed with detectWebhookSecret to
// the updater at addr.
func (s *detectSite) deliver(addr, event string, body []byte) (int, error) {
	req, err := http.NewRequest(http.MethodPost, "http://"+addr+"/", bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	mac := hmac.New(sha256.New, []byte(detectWebhookSecret))
	mac.Write(body)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", event)
	req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	resp, err := s.hooks.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// awaitWebhook pings the endpoint, as GitHub does when a hook is created,
// until it answers 200. RunDaemon starts it beside the loop and signals
// nothing when it listens, so this is the one wait that retries.
func (s *detectSite) awaitWebhook(addr string) {
	s.b.Helper()
	var code int
	var err error
	for deadline := time.Now().Add(detectTimeout); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if code, err = s.deliver(addr, "ping", []byte(`{"zen":"Keep it logically awesome.","hook_id":1}`)); code == http.StatusOK {
			return
		}
	}
	s.b.Fatalf("webhook endpoint %s never answered a ping: status %d, %v", addr, code, err)
}

// awaitRequests waits until the mirror has answered n API requests.
func (s *detectSite) awaitRequests(n int) {
	s.b.Helper()
	timeout := time.NewTimer(detectTimeout)
	defer timeout.Stop()
	for s.api.counts().requests < n {
		select {
		case <-s.api.answered:
		case <-timeout.C:
			s.b.Fatalf("the mirror answered %d API requests in %s, want %d", s.api.counts().requests, detectTimeout, n)
		case <-s.exited:
			s.b.Fatalf("neco-updater ended while waiting for a release check: %v", s.exitErr)
		}
	}
}

// awaitPollPhase returns once d has passed since the updater's last
// release check reached the mirror (d shorter than the poll interval), so
// that a release published next appears at a chosen point of the poll
// cycle rather than always right after a check. The sleep here is the
// workload's timing, not synchronisation.
func (s *detectSite) awaitPollPhase(d time.Duration) {
	s.b.Helper()
	for {
		last, n := s.api.lastRequest()
		if wait := time.Until(last.Add(d)); wait >= 0 {
			select {
			case <-time.After(wait):
			case <-s.exited:
				s.b.Fatalf("neco-updater ended: %v", s.exitErr)
			}
			return
		}
		s.awaitRequests(n + 1) // that point has passed: use the next check's
	}
}
