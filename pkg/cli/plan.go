package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"slices"

	"github.com/spf13/cobra"

	"github.com/necoship/neco/pkg/config"
	"github.com/necoship/neco/pkg/deb"
	"github.com/necoship/neco/pkg/decide"
	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/plan"
	"github.com/necoship/neco/pkg/releases"
)

func newPlanCommand(env Env, cf *clusterFlags) *cobra.Command {
	var asJSON, all bool
	cmd := &cobra.Command{
		Use:   "plan [VERSION]",
		Short: "Show what an update would do, and what keeps it from starting, without doing it",
		Long: `Compute the update to VERSION (by default: a requested rollback's version,
else the release the updater would take now) without changing anything:

  - what blocks it now: a running or stopped update, approval, the release
    window, min-release-age, a hold or a pin, a release that is not the
    channel's pick, or a rollback that needs "neco rollback" (or is refused);
  - what changes on each registered boot server: the site package, the
    plan's extra packages and images, against what each server recorded;
  - the steps in the order every worker runs them, with their strategy:
    which servers restart together and in which order.

The blockers come from the updater's own decision code run on the current
etcd state, so they say what the updater would say. The plan is read from
the release's site package, downloaded and verified (SHA256SUMS and, with
signing-keys, its signature) exactly as a worker would, into a temporary
directory that is removed afterwards. Nothing is written to etcd.

On a site that already runs the version, it says so in one line; --all
prints the plan anyway.

The token, if the repository is private, comes from the cluster config.`,
		Example: `  neco plan                       # the release the updater would take next
  neco plan 2026.11.24-1          # a given version (older: a rollback)
  neco plan --json | jq .blockers`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return cf.explain(runPlan(cmd, env, cf, args, asJSON, all))
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON (schema in docs/cli.md)")
	cmd.Flags().BoolVar(&all, "all", false, "print the whole plan also when the site runs the version already")
	return cmd
}

// planState is what the dry run reads from etcd, at one snapshot.
type planState struct {
	snap         model.Snapshot
	cfg          config.Cluster
	history      []model.HistoryEntry
	irreversible []model.IrreversibleRun
	installed    map[int]model.Installed
}

func runPlan(cmd *cobra.Command, env Env, cf *clusterFlags, args []string, asJSON, all bool) error {
	var want model.Version
	if len(args) == 1 {
		v, err := model.ParseVersion(args[0])
		if err != nil {
			return err
		}
		want = v
	}
	st, err := readPlanState(cmd, env, cf)
	if err != nil {
		return err
	}
	if want.IsZero() && st.snap.Rollback != nil {
		want = st.snap.Rollback.Version
	}
	ctx := cmd.Context()
	client, err := releases.New(releases.Options{
		APIURL: st.cfg.GitHubAPIURL, Repo: st.cfg.GitHubRepo, Token: st.cfg.GitHubToken, Proxy: st.cfg.Proxy, NoProxy: st.cfg.NoProxy,
		Logger: cliLogger(env.Stderr), Retry: interactiveRetry,
	})
	if err != nil {
		return fmt.Errorf("plan: %w", err)
	}
	rs, err := client.ListReleases(ctx)
	if err != nil {
		return fmt.Errorf("plan: %w", err)
	}
	ch := releases.Channel{Env: st.cfg.Env, Prefixes: st.cfg.ReleasePrefixes, DevPrefixes: st.cfg.DevPrefixes}
	var latest *model.Release
	if r, ok := ch.Pick(rs); ok {
		latest = &r
	}
	target, err := planTarget(rs, ch, latest, want, st.cfg.Env)
	if err != nil {
		return err
	}
	site, p, err := fetchPlan(ctx, client, st.cfg, target)
	if err != nil {
		return fmt.Errorf("plan %s: %w", target.Tag, err)
	}
	dry := decide.PlanUpdate(decide.DryRunInput{
		Snapshot: st.snap, Config: st.cfg, Latest: latest, Target: target, Plan: p, SitePackage: site,
		Installed: st.installed, History: st.history, Irreversible: st.irreversible, Now: env.Now(),
	})
	out := toPlanJSON(dry, p)
	if asJSON {
		return writeJSON(env.Stdout, out)
	}
	if !all && upToDate(out) {
		_, err := fmt.Fprintf(env.Stdout, "up to date: the site runs %s (%s) on servers %s (neco plan --all shows its plan)\n",
			out.Target.Version, out.Target.Tag, formatServers(out.Servers))
		return err
	}
	return writePlanText(env.Stdout, out)
}

// readPlanState reads etcd within --timeout; the download after it may
// take longer.
func readPlanState(cmd *cobra.Command, env Env, cf *clusterFlags) (planState, error) {
	ctx, store, done, err := cf.open(cmd, env, true)
	if err != nil {
		return planState{}, err
	}
	defer done()
	var st planState
	if st.snap, err = readCurrent(ctx, store, "plan"); err != nil {
		return planState{}, err
	}
	cfg, _, err := config.ParseCluster(st.snap.Config)
	if err != nil {
		return planState{}, fmt.Errorf("plan: cluster config: %w", err)
	}
	st.cfg = cfg
	if st.history, _, err = store.ListHistory(ctx); err != nil {
		return planState{}, fmt.Errorf("plan: %w", err)
	}
	var invalid []model.InvalidKey
	if st.irreversible, invalid, err = store.IrreversibleRuns(ctx); err != nil {
		return planState{}, fmt.Errorf("plan: %w", err)
	}
	for _, k := range invalid {
		// neco rollback refuses on such a record (unknown is not "none");
		// the plan says so rather than plan past it quietly.
		fmt.Fprintf(env.Stderr, "neco: irreversible record %s does not decode (neco rollback refuses until it is fixed): %s\n",
			k.Key, oneLine(k.Err.Error()))
	}
	if st.installed, _, err = listInstalled(ctx, store, st.snap.LRNs()); err != nil {
		return planState{}, fmt.Errorf("plan: %w", err)
	}
	return st, nil
}

// planTarget is the release of version want, or the channel's pick when
// want is zero. Of several tags of one version (two prefixes), the one the
// channel accepts is taken.
func planTarget(rs []model.Release, ch releases.Channel, latest *model.Release, want model.Version, env model.Env) (model.Release, error) {
	if want.IsZero() {
		if latest == nil {
			return model.Release{}, fmt.Errorf("no release qualifies for env %s; name a VERSION (neco releases lists them)", env)
		}
		return *latest, nil
	}
	var found []model.Release
	for _, r := range rs {
		if !r.Draft && r.Version.Equal(want) {
			found = append(found, r)
		}
	}
	if len(found) == 0 {
		return model.Release{}, fmt.Errorf("no published release has version %s (neco releases lists them)", want)
	}
	if i := slices.IndexFunc(found, ch.Accepts); i >= 0 {
		return found[i], nil
	}
	return found[0], nil
}

// fetchPlan downloads the target's site package as a worker does
// (verified before use) and reads its plan and package name.
func fetchPlan(ctx context.Context, c *releases.Client, cfg config.Cluster, rel model.Release) (string, plan.Plan, error) {
	verifier, err := releases.NewVerifier(cfg.SigningKeys)
	if err != nil {
		return "", plan.Plan{}, fmt.Errorf("signing-keys: %w", err)
	}
	name, err := releases.SiteAsset(rel, cfg.PackageAssetFor(rel.Version))
	if err != nil {
		return "", plan.Plan{}, err
	}
	dir, err := os.MkdirTemp("", "neco-plan-")
	if err != nil {
		return "", plan.Plan{}, err
	}
	defer os.RemoveAll(dir)
	got, err := c.FetchVerified(ctx, rel, name, dir, verifier)
	if err != nil {
		return "", plan.Plan{}, err
	}
	inst, err := deb.New(deb.Options{})
	if err != nil {
		return "", plan.Plan{}, err
	}
	pkg, err := inst.Inspect(ctx, got.Path)
	if err != nil {
		return "", plan.Plan{}, err
	}
	raw, err := inst.ReadFile(ctx, got.Path, plan.DefaultPath)
	if err != nil {
		return "", plan.Plan{}, err
	}
	p, err := plan.Parse(bytes.NewReader(raw))
	if err != nil {
		return "", plan.Plan{}, fmt.Errorf("%s: %w", plan.DefaultPath, err)
	}
	if err := p.CheckVersion(rel.Version); err != nil {
		return "", plan.Plan{}, fmt.Errorf("%s: %w", plan.DefaultPath, err)
	}
	return pkg.Name, p, nil
}
