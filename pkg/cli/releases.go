package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/releases"
)

// releasesJSON is the documented `neco releases --json` schema
// (docs/cli.md). Fields are only ever added.
type releasesJSON struct {
	Releases []releaseJSON      `json:"releases"`
	Picks    map[string]*string `json:"picks"`
}

type releaseJSON struct {
	Tag         string      `json:"tag"`
	Version     string      `json:"version"` // "" when the tag does not parse
	Prerelease  bool        `json:"prerelease"`
	Draft       bool        `json:"draft"`
	PublishedAt time.Time   `json:"published_at"`
	Assets      []assetJSON `json:"assets"`
}

type assetJSON struct {
	Name string `json:"name"`
	Size int64  `json:"size"`
	URL  string `json:"url"`
}

type releasesFlags struct {
	env         string
	repo        string
	apiURL      string
	prefixes    []string
	devPrefixes []string
	json        bool
}

func newReleasesCommand(env Env) *cobra.Command {
	var f releasesFlags
	cmd := &cobra.Command{
		Use:   "releases",
		Short: "List the releases neco sees and which one each env would pick",
		Long: `List the site repository's releases (newest version first) and mark the
release each env would pick now: production takes releases, staging also
pre-releases, dev also the dev prefixes; test never updates by itself.
Drafts and tags that are not PREFIX-VERSION are listed but never picked.

The token, if the repository is private, is read from NECO_GITHUB_TOKEN.`,
		Example: `  # What would production take now?
  neco releases --repo cybozu-go/neco-site --env production

  # The same from an air-gapped mirror, as JSON
  neco releases --repo example/site --api-url http://127.0.0.1:8080/ --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runReleases(cmd, env, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.env, "env", "", "show only this env's pick (production, staging, dev, test)")
	fl.StringVar(&f.repo, "repo", "", "site repository, OWNER/NAME (required)")
	fl.StringVar(&f.apiURL, "api-url", releases.DefaultAPIURL, "GitHub REST API root (GitHub Enterprise: https://HOST/api/v3/, or a neco mirror)")
	fl.StringSliceVar(&f.prefixes, "prefixes", []string{"release"}, "accepted tag prefixes (config release-prefixes)")
	fl.StringSliceVar(&f.devPrefixes, "dev-prefixes", []string{"test"}, "extra tag prefixes for env dev (config dev-prefixes)")
	fl.BoolVar(&f.json, "json", false, "print JSON (schema in docs/cli.md)")
	return cmd
}

func runReleases(cmd *cobra.Command, env Env, f releasesFlags) error {
	envs, err := pickEnvs(f.env)
	if err != nil {
		return err
	}
	if f.repo == "" {
		return fmt.Errorf("--repo is required")
	}
	for _, p := range append(slices.Clone(f.prefixes), f.devPrefixes...) {
		if err := model.ValidatePrefix(p); err != nil {
			return fmt.Errorf("prefix %q: %w", p, err)
		}
	}
	client, err := releases.New(releases.Options{
		APIURL: f.apiURL, Repo: f.repo, Token: env.Getenv("NECO_GITHUB_TOKEN"), Logger: cliLogger(env.Stderr),
		Retry: interactiveRetry,
	})
	if err != nil {
		return err
	}
	rs, err := client.ListReleases(cmd.Context())
	if err != nil {
		return err
	}
	sortNewestFirst(rs)
	out := releasesJSON{Releases: make([]releaseJSON, 0, len(rs)), Picks: map[string]*string{}}
	for _, r := range rs {
		out.Releases = append(out.Releases, toReleaseJSON(r))
	}
	for _, e := range envs {
		ch := releases.Channel{Env: e, Prefixes: f.prefixes, DevPrefixes: f.devPrefixes}
		out.Picks[string(e)] = nil
		if r, ok := ch.Pick(rs); ok {
			tag := r.Tag
			out.Picks[string(e)] = &tag
		}
	}
	if f.json {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	return printReleases(env.Stdout, out, envs)
}

// pickEnvs is every env that can pick, or just the one asked for.
func pickEnvs(flag string) ([]model.Env, error) {
	if flag == "" {
		return []model.Env{model.EnvProduction, model.EnvStaging, model.EnvDev}, nil
	}
	e, err := model.ParseEnv(flag)
	if err != nil {
		return nil, fmt.Errorf("--env: %w", err)
	}
	return []model.Env{e}, nil
}

// sortNewestFirst orders by version, newest first; unparsable tags last.
func sortNewestFirst(rs []model.Release) {
	slices.SortStableFunc(rs, func(a, b model.Release) int {
		if c := b.Version.Compare(a.Version); c != 0 {
			return c
		}
		return strings.Compare(a.Tag, b.Tag)
	})
}

func toReleaseJSON(r model.Release) releaseJSON {
	j := releaseJSON{
		Tag: r.Tag, Version: r.Version.String(), Prerelease: r.Prerelease, Draft: r.Draft,
		PublishedAt: r.PublishedAt.UTC(), Assets: make([]assetJSON, 0, len(r.Assets)),
	}
	for _, a := range r.Assets {
		j.Assets = append(j.Assets, assetJSON{Name: a.Name, Size: a.Size, URL: a.URL})
	}
	return j
}

func printReleases(w io.Writer, out releasesJSON, envs []model.Env) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TAG\tVERSION\tPRE-RELEASE\tDRAFT\tPUBLISHED\tASSETS\tPICKED BY")
	for _, r := range out.Releases {
		var by []string
		for _, e := range envs {
			if p := out.Picks[string(e)]; p != nil && *p == r.Tag {
				by = append(by, string(e))
			}
		}
		version := r.Version
		if version == "" {
			version = "(unparsable)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", r.Tag, version, yesNo(r.Prerelease), yesNo(r.Draft),
			r.PublishedAt.Format(time.RFC3339), len(r.Assets), strings.Join(by, ", "))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, e := range envs {
		pick := "nothing qualifies"
		if p := out.Picks[string(e)]; p != nil {
			pick = *p
		}
		fmt.Fprintf(w, "%-10s -> %s\n", e, pick)
	}
	return nil
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
