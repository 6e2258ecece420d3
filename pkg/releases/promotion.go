package releases

import (
	"context"
	"fmt"
	"slices"

	"github.com/google/go-github/v66/github"
)

// maxPromotionDeployments bounds how many deployments of one tag to one
// environment DeploymentSucceeded looks at: each costs a request for its
// statuses, and a tag is deployed to an environment a few times at most.
const maxPromotionDeployments = 10

// DeploymentSucceeded reports whether a deployment of tag to environment
// ever reported success (config require-deployed: another site rolled the
// release out). Any status counts, not only the latest: a later success
// in the environment marks earlier deployments inactive, and a release
// that once succeeded on staging stays promoted. The deployments are
// looked at newest first, at most maxPromotionDeployments of them.
func (c *Client) DeploymentSucceeded(ctx context.Context, tag, environment string) (bool, error) {
	if err := checkDeployment(tag, environment); err != nil {
		return false, fmt.Errorf("deployment of %s to %s: %w", tag, environment, err)
	}
	ds, err := c.listDeployments(ctx, tag, environment, maxPromotionDeployments)
	if err != nil {
		return false, err
	}
	for _, d := range ds {
		ok, err := c.everSucceeded(ctx, d.GetID())
		if err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}

// everSucceeded reports whether deployment id has a success status.
func (c *Client) everSucceeded(ctx context.Context, id int64) (bool, error) {
	sts, err := c.listDeploymentStatuses(ctx, id)
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(sts, func(s *github.DeploymentStatus) bool { return s.GetState() == "success" }), nil
}

// listDeploymentStatuses lists the newest page of deployment id's
// statuses, newest first as GitHub answers; nil entries left out.
func (c *Client) listDeploymentStatuses(ctx context.Context, id int64) ([]*github.DeploymentStatus, error) {
	var sts []*github.DeploymentStatus
	err := c.retry(ctx, fmt.Sprintf("list statuses of deployment %d", id), func(ctx context.Context) error {
		var err error
		sts, _, err = c.gh.Repositories.ListDeploymentStatuses(ctx, c.owner, c.name, id, &github.ListOptions{PerPage: perPage})
		return err
	})
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(sts, func(s *github.DeploymentStatus) bool { return s == nil }), nil
}
