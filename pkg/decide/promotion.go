package decide

import "fmt"

// The promotion gate (config require-deployed): a release is taken only
// after a deployment of its tag succeeded in that environment, as another
// site's neco records it on GitHub (github-deployments). The updater leader
// asks GitHub with each release check and records the answer for the
// channel's pick in info/promotion; the decision reads that record, so
// neco status and neco plan name the same blocker. Reconfigures and
// rollbacks are not gated: their release is already on the site.

// awaitPromotion reports whether Latest still waits for its deployment
// to require-deployed.
func awaitPromotion(in UpdaterInput) (Action, bool) {
	env := in.Config.RequireDeployed
	if env == "" {
		return Action{}, false
	}
	l, p := in.Latest, in.Snapshot.Promotion
	what := fmt.Sprintf("release %s waits for a successful deployment to %s (require-deployed)", l.Version, env)
	switch {
	case !p.For(l.Tag, env):
		what += "; not checked yet"
	case p.Deployed:
		return Action{}, false
	case p.Error != "":
		what += "; GitHub cannot tell: " + p.Error
	}
	return Action{Kind: ActionWaitPromotion, Reason: what}, true
}
