package releases

import (
	"cmp"
	"context"
	"errors"
	"slices"

	"github.com/necoship/neco/pkg/model"
)

// DeploymentRecords returns at most limit (1 to 100) deployments of ref in
// every environment, newest (highest id) first, each with its statuses
// oldest first: the newest page of 100, all the promotion gate reads too.
// neco mirror sync copies them (it is mirror.DeploymentSource), against
// GitHub or another mirror. It costs one request for the list and one per
// deployment, each retried and bounded like every API call. Deployments of
// another ref (a server that ignored the filter) are left out.
func (c *Client) DeploymentRecords(ctx context.Context, ref string, limit int) ([]model.DeploymentRecord, error) {
	if ref == "" {
		return nil, errors.New("list deployments: empty ref")
	}
	ds, err := c.listDeployments(ctx, ref, "", min(max(limit, 1), perPage))
	if err != nil {
		return nil, err
	}
	out := make([]model.DeploymentRecord, 0, len(ds))
	for _, d := range ds {
		sts, err := c.deploymentStatusRecords(ctx, d.GetID())
		if err != nil {
			return nil, err
		}
		out = append(out, model.DeploymentRecord{
			ID:          d.GetID(),
			Ref:         d.GetRef(),
			Environment: d.GetEnvironment(),
			Description: d.GetDescription(),
			Payload:     slices.Clone(d.Payload),
			CreatedAt:   d.GetCreatedAt().Time,
			Statuses:    sts,
		})
	}
	return out, nil
}

// deploymentStatusRecords lists the newest page of deployment id's
// statuses, oldest first.
func (c *Client) deploymentStatusRecords(ctx context.Context, id int64) ([]model.DeploymentStatusRecord, error) {
	sts, err := c.listDeploymentStatuses(ctx, id)
	if err != nil {
		return nil, err
	}
	out := make([]model.DeploymentStatusRecord, 0, len(sts))
	for _, s := range sts {
		if s == nil {
			continue
		}
		out = append(out, model.DeploymentStatusRecord{
			ID:          s.GetID(),
			State:       s.GetState(),
			Environment: s.GetEnvironment(),
			Description: s.GetDescription(),
			CreatedAt:   s.GetCreatedAt().Time,
		})
	}
	slices.SortFunc(out, func(a, b model.DeploymentStatusRecord) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}
