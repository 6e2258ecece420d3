package mirror

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Bounds of DIR/<owner>/<name>/deployments.json. Sync keeps within them
// (trimming the oldest, with a warning) and the server refuses a file
// beyond them, so a source, or a hand-edited file, can never make the
// server read an unbounded file on every request.
const (
	// MaxDeploymentTags is how many release tags Sync copies deployments
	// of: the newest ones. A gated site (require-deployed) only ever asks
	// about its channel's newest release, so old tags do not matter; 20
	// leaves room for the pre-releases and dev tags published after it,
	// and bounds a sync to 20 * (1 + maxDeploymentsPerTag) requests.
	MaxDeploymentTags = 20
	// maxDeploymentsPerTag keeps the newest deployments of one tag, in
	// every environment; neco makes one per site and update, and the
	// gate looks at the newest 10 of one environment.
	maxDeploymentsPerTag = 20
	// maxStatusesPerDeployment keeps the newest statuses of one
	// deployment: one page, which is all the gate reads from GitHub
	// too. neco writes two or three.
	maxStatusesPerDeployment = 100
	// maxPayloadSize bounds a deployment's payload; neco's is about 50
	// bytes. A larger one is stored as {}: the gate never reads it.
	maxPayloadSize = 8 << 10
	// maxEnvironmentLen is GitHub's limit on an environment name.
	maxEnvironmentLen = 255
	// maxDescriptionRunes is GitHub's limit on a status description.
	maxDescriptionRunes = 140
	// maxDeploymentsFileSize bounds the file: far above the few KiB a
	// real repository needs, low enough to read per request.
	maxDeploymentsFileSize = 4 << 20
)

// deploymentStates are GitHub's deployment status states.
var deploymentStates = []string{"error", "failure", "inactive", "in_progress", "queued", "pending", "success"}

// deploymentsFile is deployments.json: the deployments of one repository,
// oldest (lowest id) first. Everything the API returns beyond these
// fields (URLs, node ids, creator, task) is derived when serving.
type deploymentsFile struct {
	Deployments []deploymentRecord `json:"deployments"`
}

type deploymentRecord struct {
	// ID is the source's id (GitHub's), kept so that ids stay stable
	// across syncs and through a chain of mirrors.
	ID          int64           `json:"id"`
	Ref         string          `json:"ref"`
	Environment string          `json:"environment"`
	Description string          `json:"description"`
	Payload     json.RawMessage `json:"payload"`
	CreatedAt   time.Time       `json:"created_at"`
	// Statuses are oldest (lowest id) first.
	Statuses []deploymentStatusRecord `json:"statuses"`
}

type deploymentStatusRecord struct {
	ID          int64     `json:"id"`
	State       string    `json:"state"`
	Environment string    `json:"environment"`
	Description string    `json:"description"`
	CreatedAt   time.Time `json:"created_at"`
}

// updatedAt is when the deployment last changed: its newest status, as
// GitHub's updated_at moves with each status.
func (d deploymentRecord) updatedAt() time.Time {
	at := d.CreatedAt
	for _, st := range d.Statuses {
		if st.CreatedAt.After(at) {
			at = st.CreatedAt
		}
	}
	return at
}

// validate checks every invariant the server relies on; Sync checks its
// result with it too, so what it writes is always readable.
func (f deploymentsFile) validate() error {
	if n := len(f.Deployments); n > MaxDeploymentTags*maxDeploymentsPerTag {
		return fmt.Errorf("%d deployments, more than %d", n, MaxDeploymentTags*maxDeploymentsPerTag)
	}
	statusIDs := map[int64]bool{}
	for i, d := range f.Deployments {
		if i > 0 && d.ID <= f.Deployments[i-1].ID {
			return fmt.Errorf("deployment %d: ids not increasing (oldest first)", d.ID)
		}
		if err := d.validate(); err != nil {
			return fmt.Errorf("deployment %d: %w", d.ID, err)
		}
		for _, st := range d.Statuses {
			if statusIDs[st.ID] {
				return fmt.Errorf("deployment %d: status id %d listed twice", d.ID, st.ID)
			}
			statusIDs[st.ID] = true
		}
	}
	return nil
}

func (d deploymentRecord) validate() error {
	if d.ID <= 0 {
		return fmt.Errorf("id %d is not positive", d.ID)
	}
	if err := checkName(d.Ref); err != nil {
		return fmt.Errorf("ref: %w", err)
	}
	if err := checkEnvironment(d.Environment); err != nil {
		return err
	}
	if err := checkDescription(d.Description); err != nil {
		return err
	}
	if err := checkPayload(d.Payload); err != nil {
		return err
	}
	if len(d.Statuses) > maxStatusesPerDeployment {
		return fmt.Errorf("%d statuses, more than %d", len(d.Statuses), maxStatusesPerDeployment)
	}
	for i, st := range d.Statuses {
		if err := st.validate(); err != nil {
			return fmt.Errorf("status %d: %w", st.ID, err)
		}
		if i > 0 && st.ID <= d.Statuses[i-1].ID {
			return fmt.Errorf("status %d: ids not increasing (oldest first)", st.ID)
		}
	}
	return nil
}

func (st deploymentStatusRecord) validate() error {
	if st.ID <= 0 {
		return fmt.Errorf("id %d is not positive", st.ID)
	}
	if !slices.Contains(deploymentStates, st.State) {
		return fmt.Errorf("state %q is not one of GitHub's", st.State)
	}
	if err := checkEnvironment(st.Environment); err != nil {
		return err
	}
	return checkDescription(st.Description)
}

// checkEnvironment accepts what GitHub does, minus control characters,
// which would only serve to garble a log line or a terminal.
func checkEnvironment(env string) error {
	switch {
	case env == "":
		return errors.New("environment: empty")
	case len(env) > maxEnvironmentLen:
		return fmt.Errorf("environment: %d bytes, more than %d", len(env), maxEnvironmentLen)
	case !utf8.ValidString(env) || strings.ContainsFunc(env, unicode.IsControl):
		return fmt.Errorf("environment %q: not printable UTF-8", env)
	}
	return nil
}

func checkDescription(s string) error {
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > maxDescriptionRunes {
		return fmt.Errorf("description: not UTF-8 of at most %d characters", maxDescriptionRunes)
	}
	return nil
}

// checkPayload accepts a JSON object of at most maxPayloadSize bytes: a
// valid JSON text that starts with '{' is an object.
func checkPayload(p json.RawMessage) error {
	if len(p) > maxPayloadSize {
		return fmt.Errorf("payload: %d bytes, more than %d", len(p), maxPayloadSize)
	}
	if t := bytes.TrimSpace(p); len(t) == 0 || t[0] != '{' || !json.Valid(t) {
		return errors.New("payload: not a JSON object")
	}
	return nil
}
