package model

import "strings"

// Deployment is one rollout as GitHub's Deployments API records it
// (config github-deployments): the release tag to an environment, with
// the update and the site in its payload, so that a site finishes only the
// deployments it started.
type Deployment struct {
	Tag string
	// Environment is DeploymentEnvironment of the site's env and name.
	Environment string
	// Description is one line for people; GitHub keeps 140 characters.
	Description string
	// UpdateID and Site are the payload: which update of which site.
	UpdateID int64
	Site     string
}

// DeploymentEnvironment is the GitHub environment a site's rollouts are
// recorded in: env ("staging"), or env-site ("staging-tokyo0") when the
// site is named, so that two sites of one env never touch each other's
// deployments.
func DeploymentEnvironment(env, site string) string {
	if site == "" {
		return env
	}
	return env + "-" + site
}

// IsProductionEnvironment says whether a DeploymentEnvironment is of env
// production: GitHub treats its deployments as production ones.
func IsProductionEnvironment(environment string) bool {
	return environment == string(EnvProduction) || strings.HasPrefix(environment, string(EnvProduction)+"-")
}
