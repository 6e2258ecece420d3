package mirror

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/necoship/neco/pkg/model"
)

// apiDeployment has the fields of GitHub's "List deployments" answer.
type apiDeployment struct {
	URL                   string          `json:"url"`
	ID                    int64           `json:"id"`
	NodeID                string          `json:"node_id"`
	SHA                   string          `json:"sha"`
	Ref                   string          `json:"ref"`
	Task                  string          `json:"task"`
	Payload               json.RawMessage `json:"payload"`
	OriginalEnvironment   string          `json:"original_environment"`
	Environment           string          `json:"environment"`
	Description           string          `json:"description"`
	Creator               apiUser         `json:"creator"`
	CreatedAt             time.Time       `json:"created_at"`
	UpdatedAt             time.Time       `json:"updated_at"`
	StatusesURL           string          `json:"statuses_url"`
	RepositoryURL         string          `json:"repository_url"`
	TransientEnvironment  bool            `json:"transient_environment"`
	ProductionEnvironment bool            `json:"production_environment"`
}

// apiDeploymentStatus has the fields of GitHub's "List deployment
// statuses" answer.
type apiDeploymentStatus struct {
	URL            string    `json:"url"`
	ID             int64     `json:"id"`
	NodeID         string    `json:"node_id"`
	State          string    `json:"state"`
	Creator        apiUser   `json:"creator"`
	Description    string    `json:"description"`
	Environment    string    `json:"environment"`
	TargetURL      string    `json:"target_url"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
	DeploymentURL  string    `json:"deployment_url"`
	RepositoryURL  string    `json:"repository_url"`
	EnvironmentURL string    `json:"environment_url"`
	LogURL         string    `json:"log_url"`
}

func (u repoURLs) deploymentURL(id int64) string {
	return u.api("/deployments/" + strconv.FormatInt(id, 10))
}

// deployment renders d. What the mirror does not store is derived: the
// task is GitHub's default, the commit (sha) is unknown and left empty,
// the creator is the mirror, and production_environment follows neco's
// naming (production, production-SITE), as neco sets it when it records
// a rollout.
func (u repoURLs) deployment(d deploymentRecord) apiDeployment {
	self := u.deploymentURL(d.ID)
	return apiDeployment{
		URL:                   self,
		ID:                    d.ID,
		NodeID:                nodeID("Deployment", d.ID),
		Ref:                   d.Ref,
		Task:                  "deploy",
		Payload:               d.Payload,
		OriginalEnvironment:   d.Environment,
		Environment:           d.Environment,
		Description:           d.Description,
		Creator:               mirrorUser,
		CreatedAt:             d.CreatedAt.UTC(),
		UpdatedAt:             d.updatedAt().UTC(),
		StatusesURL:           self + "/statuses",
		RepositoryURL:         u.api(""),
		ProductionEnvironment: model.IsProductionEnvironment(d.Environment),
	}
}

func (u repoURLs) deploymentStatus(d deploymentRecord, st deploymentStatusRecord) apiDeploymentStatus {
	return apiDeploymentStatus{
		URL:           u.deploymentURL(d.ID) + "/statuses/" + strconv.FormatInt(st.ID, 10),
		ID:            st.ID,
		NodeID:        nodeID("DeploymentStatus", st.ID),
		State:         st.State,
		Creator:       mirrorUser,
		Description:   st.Description,
		Environment:   st.Environment,
		CreatedAt:     st.CreatedAt.UTC(),
		UpdatedAt:     st.CreatedAt.UTC(),
		DeploymentURL: u.deploymentURL(d.ID),
		RepositoryURL: u.api(""),
	}
}
