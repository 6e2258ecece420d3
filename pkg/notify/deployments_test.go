package notify

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/necoship/neco/pkg/model"
)

// fakeDeploymentAPI records calls as one line each and answers with err.
type fakeDeploymentAPI struct {
	calls []string
	err   error
}

func (f *fakeDeploymentAPI) StartDeployment(_ context.Context, d model.Deployment) (int64, error) {
	f.calls = append(f.calls, fmt.Sprintf("start %s %s %q", d.Tag, d.Environment, d.Description)+payloadOf(d))
	return 7, f.err
}

func (f *fakeDeploymentAPI) FinishDeployment(_ context.Context, d model.Deployment, state string) error {
	f.calls = append(f.calls, fmt.Sprintf("finish %s %s %s %q", d.Tag, d.Environment, state, d.Description)+payloadOf(d))
	return f.err
}

// payloadOf shows the update and site a call names, unless it is the
// test update of an unnamed site.
func payloadOf(d model.Deployment) string {
	if d.UpdateID == 42 && d.Site == "" {
		return ""
	}
	return fmt.Sprintf(" (update %d, site %q)", d.UpdateID, d.Site)
}

// apiError is an error with an HTTP status, like the releases client's.
type apiError struct{ code int }

func (e apiError) Error() string   { return fmt.Sprintf("POST https://api.github.com/...: %d", e.code) }
func (e apiError) HTTPStatus() int { return e.code }

func TestDeploymentsSend(t *testing.T) {
	const tag = "release-2026.11.23-1"
	rollback := testUpdate()
	rollback.Reason = model.ReasonRollback
	vanished := Finished(testUpdate(), testHistory("vanished", "lost"), "staging", "")
	noTag := Started(testUpdate(), "staging", "")
	noTag.Tag = ""
	bySite := func(e Event) Event {
		e.Site = "tokyo0"
		return e
	}
	tests := []struct {
		name      string
		e         Event
		err       error // the API's answer
		wantCalls []string
		wantErr   error // nil, ErrSkipped or ErrPermanent
		wantRetry bool  // an error the dispatcher retries
		wantCode  int   // status the dispatcher logs
	}{
		{name: "started", e: Started(testUpdate(), "staging", ""),
			wantCalls: []string{`start ` + tag + ` staging "neco update 42: 2026.11.23-1 on servers 0, 1, 2"`}},
		{name: "rollback started", e: Started(rollback, "production", ""),
			wantCalls: []string{`start ` + tag + ` production "neco update 42: 2026.11.23-1 on servers 0, 1, 2 (rollback)"`}},
		{name: "completed", e: Finished(testUpdate(), testHistory(model.ResultCompleted, ""), "production", ""),
			wantCalls: []string{`finish ` + tag + ` production success "neco update 42 completed: 2026.11.23-1 on servers 0, 1, 2 in 12m30s"`}},
		{name: "aborted", e: Finished(testUpdate(), testHistory(model.ResultAborted, "worker 2: dpkg failed"), "staging", ""),
			wantCalls: []string{`finish ` + tag + ` staging failure "neco update 42 aborted: worker 2: dpkg failed"`}},
		{name: "timed out", e: Finished(testUpdate(), testHistory(model.ResultTimedOut, "worker 1: no report"), "staging", ""),
			wantCalls: []string{`finish ` + tag + ` staging failure "neco update 42 timed out: worker 1: no report"`}},
		{name: "aborted without message", e: Finished(testUpdate(), testHistory(model.ResultAborted, ""), "staging", ""),
			wantCalls: []string{`finish ` + tag + ` staging failure "neco update 42 aborted: no message recorded"`}},
		{name: "unknown result is an error", e: vanished,
			wantCalls: []string{`finish ` + tag + ` staging error "neco update 42 ended: vanished: lost"`}},
		{name: "a named site has an environment of its own", e: bySite(Started(testUpdate(), "staging", "")),
			wantCalls: []string{`start ` + tag + ` staging-tokyo0 "neco update 42: 2026.11.23-1 on servers 0, 1, 2" (update 42, site "tokyo0")`}},
		{name: "and finishes only its own", e: bySite(Finished(testUpdate(), testHistory(model.ResultCompleted, ""), "production", "")),
			wantCalls: []string{`finish ` + tag + ` production-tokyo0 success "neco update 42 completed: 2026.11.23-1 on servers 0, 1, 2 in 12m30s" (update 42, site "tokyo0")`}},
		{name: "no tag is skipped", e: noTag, wantErr: ErrSkipped},
		{name: "awaiting approval deploys nothing", wantErr: ErrSkipped,
			e: AwaitingApproval(model.Candidate{Version: model.MustParseVersion("2026.11.23-1"), Tag: tag}, "staging", "")},
		{name: "no env is skipped", e: Started(testUpdate(), "", ""), wantErr: ErrSkipped},
		{name: "422 is permanent", e: Started(testUpdate(), "staging", ""), err: apiError{422}, wantErr: ErrPermanent, wantCode: 422,
			wantCalls: []string{`start ` + tag + ` staging "neco update 42: 2026.11.23-1 on servers 0, 1, 2"`}},
		{name: "404 is permanent", e: Finished(testUpdate(), testHistory(model.ResultCompleted, ""), "staging", ""), err: apiError{404},
			wantErr: ErrPermanent, wantCode: 404,
			wantCalls: []string{`finish ` + tag + ` staging success "neco update 42 completed: 2026.11.23-1 on servers 0, 1, 2 in 12m30s"`}},
		{name: "429 is retried", e: Started(testUpdate(), "staging", ""), err: apiError{429}, wantRetry: true, wantCode: 429,
			wantCalls: []string{`start ` + tag + ` staging "neco update 42: 2026.11.23-1 on servers 0, 1, 2"`}},
		{name: "502 is retried", e: Started(testUpdate(), "staging", ""), err: apiError{502}, wantRetry: true, wantCode: 502,
			wantCalls: []string{`start ` + tag + ` staging "neco update 42: 2026.11.23-1 on servers 0, 1, 2"`}},
		{name: "no status is retried", e: Started(testUpdate(), "staging", ""), err: errors.New("connection refused"), wantRetry: true,
			wantCalls: []string{`start ` + tag + ` staging "neco update 42: 2026.11.23-1 on servers 0, 1, 2"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := &fakeDeploymentAPI{err: tt.err}
			err := NewDeployments(api).Send(context.Background(), tt.e)
			if diff := cmp.Diff(tt.wantCalls, api.calls); diff != "" {
				t.Errorf("calls mismatch (-want +got):\n%s", diff)
			}
			switch {
			case tt.wantRetry:
				if err == nil || errors.Is(err, ErrPermanent) || errors.Is(err, ErrSkipped) {
					t.Errorf("err = %v, want one worth retrying", err)
				}
				if !errors.Is(err, tt.err) {
					t.Errorf("err = %v does not wrap the API's %v", err, tt.err)
				}
			case tt.wantErr == nil:
				if err != nil {
					t.Errorf("err = %v, want nil", err)
				}
			case !errors.Is(err, tt.wantErr):
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
			if got := statusOf(err); got != tt.wantCode {
				t.Errorf("status = %d, want %d", got, tt.wantCode)
			}
		})
	}
}

// Through the dispatcher: a 4xx is tried once, anything else Attempts times.
func TestDeploymentsRetriedByDispatcher(t *testing.T) {
	tests := []struct {
		err       error
		wantCalls int
	}{
		{apiError{422}, 1},
		{apiError{503}, 3},
		{errors.New("dial tcp: connection refused"), 3},
	}
	for _, tt := range tests {
		api := &fakeDeploymentAPI{err: tt.err}
		var rec recorder
		d := NewDispatcher(Options{Attempts: 3, Sleep: rec.sleep, OnFailure: rec.onFailure}, NewDeployments(api))
		d.deliver(context.Background(), Started(testUpdate(), "staging", ""))
		if len(api.calls) != tt.wantCalls {
			t.Errorf("%v: %d calls, want %d", tt.err, len(api.calls), tt.wantCalls)
		}
		if _, failures := rec.snapshot(); !cmp.Equal(failures, []string{"github-deployments"}) {
			t.Errorf("%v: failures = %v, want one for github-deployments", tt.err, failures)
		}
	}
}
