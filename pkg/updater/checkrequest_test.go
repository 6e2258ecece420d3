package updater

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/storage"
)

// TestWebhookToFollowerStartsUpdate: two neco-updaters on one etcd; a
// signed release event delivered to the one that does not lead starts the
// update, through request/check. Polling is at its longest (24h), so
// nothing else can have found the release. The request is answered and
// removed.
func TestWebhookToFollowerStartsUpdate(t *testing.T) {
	s := newDetectSite(t, map[string]string{"github-webhook-secret": detectWebhookSecret, "check-update-interval": "24h"}, true)
	s.runFollower()
	rev := s.revision()
	tag := s.publishNext()
	s.deliverRelease(s.followerAddr, tag)
	s.awaitCurrent(rev, tag)

	var a model.CheckAnswer
	s.await(rev, s.st.CheckAnswerKey(), "the check answer", func(v []byte) bool {
		return json.Unmarshal(v, &a) == nil && a.Tag == tag
	})
	if !a.New || a.Error != "" || a.Revision <= rev {
		t.Errorf("answer %+v, want the new release %s, no error, a request after revision %d", a, tag, rev)
	}
	ctx := t.Context()
	snap, err := s.st.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if snap.CheckRequest != nil {
		t.Errorf("request/check still pending after its answer: %+v", *snap.CheckRequest)
	}
}

// TestCheckRequestAnswered: `neco update check --wait` as the storage
// sees it: a request written after the last check is answered by a new
// check (nothing new here), and a second request gets its own answer.
func TestCheckRequestAnswered(t *testing.T) {
	s := newDetectSite(t, map[string]string{"check-update-interval": "24h"}, false)
	ctx, cancel := context.WithTimeout(t.Context(), detectTimeout)
	defer cancel()
	before := s.api.counts().requests
	for i := range 2 {
		rev, err := s.st.RequestCheck(ctx, model.CheckRequest{By: "alice@boot-0", At: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		a, err := s.st.WaitCheckAnswer(ctx, rev)
		if err != nil {
			t.Fatal(err)
		}
		if a.Revision != rev || a.New || a.Tag != "release-1.0" || a.Error != "" {
			t.Errorf("answer %d: %+v, want revision %d, release-1.0, nothing new", i, a, rev)
		}
		if got := s.api.counts().requests; got <= before {
			t.Errorf("answer %d without a check reaching the API (%d requests before, %d after)", i, before, got)
		}
		before = s.api.counts().requests
	}
}

// TestCheckRequestAnsweredByItsCheck: a request is answered once the
// check it forced has finished, not by one that started before it: with
// that check's error while the API fails, then with its pick.
func TestCheckRequestAnsweredByItsCheck(t *testing.T) {
	h := newHarness(t, map[string]string{"env": "staging"}, []int{0}, "release-1.0")
	h.failAPI.Store(true)
	h.runUpdater("a")
	h.waitFor("failed check recorded", func(s model.Snapshot) bool { return s.Check != nil && s.Check.Error != "" })
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	ask := func() model.CheckAnswer {
		t.Helper()
		h.clock.Advance(time.Second) // within the interval: only the request checks
		rev, err := h.st.RequestCheck(ctx, model.CheckRequest{By: "alice@boot-0", At: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		a, err := h.st.WaitCheckAnswer(ctx, rev)
		if err != nil {
			t.Fatal(err)
		}
		if a.Revision != rev || !a.CheckedAt.Equal(h.clock.Now()) {
			t.Errorf("answer to revision %d of the check at %s, want %d and the check the request forced at %s",
				a.Revision, a.CheckedAt, rev, h.clock.Now())
		}
		return a
	}
	if a := ask(); !strings.Contains(a.Error, "unauthorized") || a.Tag != "" {
		t.Errorf("answer %+v, want the unauthorized error and no pick", a)
	}
	h.failAPI.Store(false)
	if a := ask(); a.Error != "" || a.Tag != "release-1.0" || !a.New {
		t.Errorf("answer %+v, want the new release-1.0", a)
	}
}

// TestWaitCheckAnswerStopsWithContext: without a leader nobody answers;
// the wait ends with its context.
func TestWaitCheckAnswerStopsWithContext(t *testing.T) {
	st := storage.New(srv.Client(t), "/"+t.Name()+"/")
	rev, err := st.RequestCheck(t.Context(), model.CheckRequest{By: "alice@boot-0", At: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	if _, err := st.WaitCheckAnswer(ctx, rev); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitCheckAnswer without a leader: %v, want the context's deadline", err)
	}
}
