package releases

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/go-github/v66/github"

	"github.com/necoship/neco/pkg/model"
)

// ErrNoDeployment is returned by FinishDeployment when GitHub lists no
// deployment of the tag to the environment.
var ErrNoDeployment = errors.New("releases: no deployment found")

// maxDescription is GitHub's limit on a deployment status description, in
// characters; a longer one is refused with 422.
const maxDescription = 140

// finalStates are the deployment states FinishDeployment may set: the
// update worked (success), it did not (failure), or neco cannot tell what
// happened (error).
var finalStates = map[string]bool{"success": true, "failure": true, "error": true}

// StartDeployment records on GitHub that the release d.Tag is being
// rolled out to d.Environment: it creates a deployment of the tag, whose
// payload names d's update and site, and gives it the status in_progress.
// It returns the deployment's ID, also when only the status failed (the
// deployment exists then, left pending).
//
// Creating is not idempotent: a retried call after a lost answer may leave
// a second deployment of the same update, which FinishDeployment tolerates
// by finishing the newest.
func (c *Client) StartDeployment(ctx context.Context, d model.Deployment) (int64, error) {
	if err := checkDeployment(d.Tag, d.Environment); err != nil {
		return 0, fmt.Errorf("start deployment: %w", err)
	}
	desc := truncateDescription(d.Description)
	req := &github.DeploymentRequest{
		Ref:         github.String(d.Tag),
		Environment: github.String(d.Environment),
		Description: github.String(desc),
		Payload:     deploymentPayload{Neco: payloadNeco{UpdateID: d.UpdateID, Site: d.Site}},
		// A release tag is what was tested and chosen; GitHub must not
		// merge the default branch into it (its default is to try).
		AutoMerge: github.Bool(false),
		// Empty, not omitted: omitted means "every commit status must be
		// success", and GitHub refuses (409) a tag whose commit has a
		// failing or pending check. The rollout has already begun; the
		// deployment only records it.
		RequiredContexts:      &[]string{},
		TransientEnvironment:  github.Bool(false),
		ProductionEnvironment: github.Bool(model.IsProductionEnvironment(d.Environment)),
	}
	what := fmt.Sprintf("create deployment of %s to %s", d.Tag, d.Environment)
	var gd *github.Deployment
	err := c.retry(ctx, what, func(ctx context.Context) error {
		var err error
		gd, _, err = c.gh.Repositories.CreateDeployment(ctx, c.owner, c.name, req)
		return err
	})
	if err != nil {
		return 0, err
	}
	// A 202 "merged branch" answer carries a message and no deployment;
	// auto_merge is off, but an ID of 0 must never be used.
	id := gd.GetID()
	if id == 0 {
		return 0, fmt.Errorf("%s: %w: no deployment id in the answer", what, ErrMalformed)
	}
	return id, c.setDeploymentStatus(ctx, id, d.Environment, "in_progress", desc)
}

// deploymentPayload is what neco puts in a deployment's payload: which
// update of which site it records.
type deploymentPayload struct {
	Neco payloadNeco `json:"neco"`
}

type payloadNeco struct {
	UpdateID int64  `json:"update_id"`
	Site     string `json:"site,omitempty"`
}

// FinishDeployment sets the final status of the newest deployment of
// d.Tag to d.Environment whose payload names d's update and site: state is
// "success", "failure" or "error". It keeps no memory of StartDeployment,
// so a leader elected after a failover can finish what the previous one
// started, and another site's deployment of the same tag is never taken
// for its own. No such deployment is ErrNoDeployment.
func (c *Client) FinishDeployment(ctx context.Context, d model.Deployment, state string) error {
	if err := checkDeployment(d.Tag, d.Environment); err != nil {
		return fmt.Errorf("finish deployment: %w", err)
	}
	if !finalStates[state] {
		return fmt.Errorf("finish deployment of %s to %s: state %q: want success, failure or error", d.Tag, d.Environment, state)
	}
	id, err := c.newestDeployment(ctx, d)
	if err != nil {
		return err
	}
	return c.setDeploymentStatus(ctx, id, d.Environment, state, truncateDescription(d.Description))
}

// newestDeployment finds the ID of the latest deployment of d's tag to
// d's environment that records d's update of d's site. GitHub lists newest
// first, so the first page holds it; the highest ID is taken rather than
// the first entry, and entries for another ref, environment, update or
// site (a server that ignored the filter, another site that shares the
// environment) are skipped, so that a deployment not ours is never
// finished by mistake.
func (c *Client) newestDeployment(ctx context.Context, d model.Deployment) (int64, error) {
	ds, err := c.listDeployments(ctx, d.Tag, d.Environment, perPage)
	if err != nil {
		return 0, err
	}
	want := payloadNeco{UpdateID: d.UpdateID, Site: d.Site}
	for _, gd := range ds { // newest first
		var p deploymentPayload
		if json.Unmarshal(gd.Payload, &p) == nil && p.Neco == want {
			return gd.GetID(), nil
		}
	}
	return 0, fmt.Errorf("list deployments of %s to %s: %w (update %d of site %q)", d.Tag, d.Environment, ErrNoDeployment, d.UpdateID, d.Site)
}

// listDeployments lists the deployments of ref (to environment, unless it
// is empty), at most limit, newest (highest id) first. Entries for another
// ref or environment are left out, so that a server that ignored the
// filter never makes neco take a deployment that is not the one asked for.
func (c *Client) listDeployments(ctx context.Context, ref, environment string, limit int) ([]*github.Deployment, error) {
	opts := &github.DeploymentsListOptions{Ref: ref, Environment: environment, ListOptions: github.ListOptions{PerPage: limit}}
	what := "list deployments of " + ref
	if environment != "" {
		what += " to " + environment
	}
	var ds []*github.Deployment
	err := c.retry(ctx, what, func(ctx context.Context) error {
		var err error
		ds, _, err = c.gh.Repositories.ListDeployments(ctx, c.owner, c.name, opts)
		return err
	})
	if err != nil {
		return nil, err
	}
	ds = slices.DeleteFunc(ds, func(d *github.Deployment) bool {
		return d == nil || d.GetRef() != ref || (environment != "" && !strings.EqualFold(d.GetEnvironment(), environment))
	})
	slices.SortFunc(ds, func(a, b *github.Deployment) int { return cmp.Compare(b.GetID(), a.GetID()) })
	return ds[:min(len(ds), limit)], nil
}

// setDeploymentStatus adds a status to deployment id. auto_inactive is
// left at GitHub's default (true): a success marks the environment's
// earlier successful deployments inactive, unless it is a production
// environment, which GitHub leaves alone.
func (c *Client) setDeploymentStatus(ctx context.Context, id int64, environment, state, desc string) error {
	req := &github.DeploymentStatusRequest{
		State:       github.String(state),
		Description: github.String(desc),
		Environment: github.String(environment),
	}
	return c.retry(ctx, fmt.Sprintf("set deployment %d to %s", id, state), func(ctx context.Context) error {
		_, _, err := c.gh.Repositories.CreateDeploymentStatus(ctx, c.owner, c.name, id, req)
		return err
	})
}

// checkDeployment refuses what GitHub would misread before any request:
// a tag that is not a site release, or no environment (GitHub would
// default to production).
func checkDeployment(tag, environment string) error {
	if _, _, err := ParseTag(tag); err != nil {
		return err
	}
	if strings.TrimSpace(environment) == "" {
		return errors.New("empty environment")
	}
	return nil
}

// truncateDescription cuts s to GitHub's limit on a character (rune)
// boundary, marking the cut with "...". The deployment itself documents no
// limit, but it gets the same text as its first status, so both are cut.
func truncateDescription(s string) string {
	r := []rune(s)
	if len(r) <= maxDescription {
		return s
	}
	return string(r[:maxDescription-3]) + "..."
}
