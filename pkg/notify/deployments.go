package notify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/necoship/neco/pkg/model"
)

// DeploymentAPI records deployments on GitHub; *releases.Client implements
// it. It is declared here, not imported, so that this package stays free
// of go-github.
//
// An error that carries GitHub's HTTP status exposes it through a method
// HTTPStatus() int (releases reports every rate limit as 429); a 4xx other
// than 429 is then not retried. Any other error is retried.
type DeploymentAPI interface {
	// StartDeployment creates a deployment of d and marks it in progress.
	StartDeployment(ctx context.Context, d model.Deployment) (id int64, err error)
	// FinishDeployment sets the newest deployment of d (its tag, its
	// environment, its update and site) to state: "success", "failure" or
	// "error".
	FinishDeployment(ctx context.Context, d model.Deployment, state string) error
}

// httpStatuser is an error that knows the HTTP status behind it.
type httpStatuser interface{ HTTPStatus() int }

type deployments struct{ api DeploymentAPI }

// NewDeployments returns a Sender that reports updates as GitHub
// deployments of the release tag to the environment of the event's Env
// and Site (model.DeploymentEnvironment): a started event creates a deployment in progress; a completed one
// sets it to success; aborted and timed-out ones to failure, with the
// failure message in the description; an unknown kind to error. Events
// without a tag or an env are skipped (ErrSkipped): GitHub would deploy
// the default branch, or to "production".
//
// The description is one line such as "neco update 42: 2026.11.23-1 on
// servers 0, 1, 2"; GitHub keeps 140 characters of it.
func NewDeployments(api DeploymentAPI) Sender {
	return deployments{api: api}
}

func (deployments) Name() string { return "github-deployments" }

func (d deployments) Send(ctx context.Context, e Event) error {
	if e.Tag == "" || e.Env == "" || e.Kind == KindAwaitingApproval {
		// Nothing is deployed while a release waits for approval.
		return ErrSkipped
	}
	dep := model.Deployment{Tag: e.Tag, Environment: model.DeploymentEnvironment(e.Env, e.Site),
		Description: deploymentDescription(e), UpdateID: e.UpdateID, Site: e.Site}
	var err error
	if e.Kind == KindStarted {
		_, err = d.api.StartDeployment(ctx, dep)
	} else {
		err = d.api.FinishDeployment(ctx, dep, deploymentState(e.Kind))
	}
	if err == nil {
		return nil
	}
	// A *StatusError makes the dispatcher log the status and give up on a
	// 4xx at once, as it does for the webhooks.
	var hs httpStatuser
	if errors.As(err, &hs) && hs.HTTPStatus() != 0 {
		return fmt.Errorf("github deployment: %w: %w", &StatusError{Code: hs.HTTPStatus()}, err)
	}
	return fmt.Errorf("github deployment: %w", err)
}

// deploymentState maps how an update ended onto GitHub's states: failure
// is the update's fault, error means neco does not know what happened.
func deploymentState(k Kind) string {
	switch k {
	case KindCompleted:
		return "success"
	case KindAborted, KindTimedOut:
		return "failure"
	}
	return "error"
}

// deploymentDescription says what happened in one line, the most useful
// part first since GitHub cuts it at 140 characters: the version is the
// deployment's ref already, so a failure leads with its message.
func deploymentDescription(e Event) string {
	switch {
	case e.Kind == KindStarted:
		s := fmt.Sprintf("neco update %d: %s on servers %s", e.UpdateID, e.Version, serverList(e.Servers))
		if e.Reason != "" && e.Reason != string(model.ReasonUpdate) {
			s += " (" + e.Reason + ")"
		}
		return s
	case e.failed():
		msg := e.Message
		if msg == "" {
			msg = "no message recorded"
		}
		return fmt.Sprintf("neco update %d %s: %s", e.UpdateID, e.Kind.phrase(), msg)
	}
	s := fmt.Sprintf("neco update %d %s: %s on servers %s", e.UpdateID, e.Kind.phrase(), e.Version, serverList(e.Servers))
	if d, ok := e.duration(); ok {
		s += " in " + d.Round(time.Second).String()
	}
	return s
}
