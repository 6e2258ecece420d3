package cli

import (
	"context"
	"encoding/json"
	"testing"

	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/necoship/neco/pkg/model"
)

// answerChecks plays the updater leader for `neco update check --wait`:
// each request/check written from now on is answered with answer, for
// the request's revision. The real leader's side is tested in
// pkg/updater (TestWebhookToFollowerStartsUpdate, TestCheckRequestAnswered).
func answerChecks(t *testing.T, s *seeder, answer model.CheckAnswer) {
	ctx, cancel := context.WithCancel(context.Background())
	// From the revision now, so that a request written before the watch
	// is set up is not missed.
	resp, err := s.client.Get(ctx, s.prefix+"request/check")
	if err != nil {
		t.Fatal(err)
	}
	events := s.client.Watch(ctx, s.prefix+"request/check", clientv3.WithRev(resp.Header.Revision+1))
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	go func() {
		defer close(done)
		for resp := range events {
			for _, ev := range resp.Events {
				if ev.Type != mvccpb.PUT {
					continue
				}
				a := answer
				a.Revision = ev.Kv.ModRevision
				b, _ := json.Marshal(a)
				if _, err := s.client.Put(ctx, s.prefix+"info/check-answer", string(b)); err != nil && ctx.Err() == nil {
					t.Errorf("answer: %v", err)
				}
			}
		}
	}()
}

func TestUpdateCheck(t *testing.T) {
	v := model.MustParseVersion("2026.11.24-1")
	for _, tt := range []struct {
		commandCase
		answer *model.CheckAnswer
	}{
		{commandCase: commandCase{name: "request only", env: alice, args: []string{"update", "check"},
			wantOut: "release check requested; the neco-updater leader checks at once (\"neco update check --wait\" prints the outcome)\n",
			check: func(t *testing.T, s *seeder) {
				var r model.CheckRequest
				s.decode("request/check", &r)
				if r.By != "alice@boot-test" || !r.At.Equal(testNow) {
					t.Errorf("request %+v, want by alice@boot-test at %s", r, testNow)
				}
			}}},
		{commandCase: commandCase{name: "a new release", env: alice, args: []string{"update", "check", "--wait"},
			wantOut: "new release seen: 2026.11.24-1 (release-2026.11.24-1)\n"},
			answer: &model.CheckAnswer{Tag: "release-2026.11.24-1", Version: v, New: true, CheckedAt: testNow}},
		{commandCase: commandCase{name: "nothing new", env: alice, args: []string{"update", "check", "--wait"},
			wantOut: "nothing new: 2026.11.24-1 (release-2026.11.24-1)\n"},
			answer: &model.CheckAnswer{Tag: "release-2026.11.24-1", Version: v, CheckedAt: testNow}},
		{commandCase: commandCase{name: "the check failed", env: alice, args: []string{"update", "check", "--wait"},
			wantErr: "neco: release check failed: releases: unauthorized: Bad credentials (the last good listing picks: no release qualifies)\n"},
			answer: &model.CheckAnswer{Error: "releases: unauthorized: Bad credentials", CheckedAt: testNow}},
		{commandCase: commandCase{name: "no leader answers", env: alice, args: []string{"update", "check", "--wait", "--timeout", "300ms"},
			wantErr: "neco: no answer within 300ms: is a neco-updater leading? (neco status shows the updater leader)\n"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			setup := tt.setup
			tt.setup = func(s *seeder) {
				if tt.answer != nil {
					answerChecks(t, s, *tt.answer)
				}
				if setup != nil {
					setup(s)
				}
			}
			tt.run(t)
		})
	}
}
