package model

import (
	"encoding/json"
	"time"
)

// DeploymentRecord is one GitHub deployment as a source lists it, with its
// statuses: what the release mirror copies (neco mirror sync) so that an
// air-gapped site's promotion gate (require-deployed) sees the rollouts
// another site recorded. Nothing in it is trusted: the mirror validates
// and bounds every field before storing it.
type DeploymentRecord struct {
	// ID is the source's id of the deployment; the mirror keeps it.
	ID          int64
	Ref         string
	Environment string
	Description string
	// Payload is the deployment's payload as the source sent it: opaque
	// JSON, normally an object.
	Payload   json.RawMessage
	CreatedAt time.Time
	// Statuses are oldest first.
	Statuses []DeploymentStatusRecord
}

// DeploymentStatusRecord is one status of a DeploymentRecord.
type DeploymentStatusRecord struct {
	// ID is the source's id of the status; the mirror keeps it.
	ID int64
	// State is GitHub's: error, failure, inactive, in_progress, queued,
	// pending or success.
	State       string
	Environment string
	Description string
	CreatedAt   time.Time
}
