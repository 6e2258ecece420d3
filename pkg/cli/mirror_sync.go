package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/necoship/neco/pkg/mirror"
	"github.com/necoship/neco/pkg/releases"
)

func newMirrorSyncCommand(env Env) *cobra.Command {
	var dir, repo, apiURL string
	var deployments bool
	cmd := &cobra.Command{
		Use:   "sync --repo OWNER/NAME --dir DIR",
		Short: "Copy a repository's releases and deployments from GitHub into a mirror directory",
		Long: `Copy every release of OWNER/NAME that the mirror does not have yet, with
its assets. Releases already in the mirror are left alone, so running it
from cron keeps an air-gapped mirror current. The token, if needed, is read
from NECO_GITHUB_TOKEN.

Then copy the GitHub deployments (and their statuses) of the newest 20
releases, replacing the mirror's copy, so that a site behind the mirror can
use require-deployed. This needs read access to deployments; --deployments=false
skips it for a source that does not serve them.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dir == "" || repo == "" {
				return errors.New("--dir and --repo are required")
			}
			log := cliLogger(env.Stderr)
			client, err := releases.New(releases.Options{
				APIURL: apiURL, Repo: repo, Token: env.Getenv("NECO_GITHUB_TOKEN"), Logger: log,
			})
			if err != nil {
				return err
			}
			var src mirror.Source = client
			if !deployments {
				// Only the Source methods: Sync sees no DeploymentSource.
				src = struct{ mirror.Source }{client}
			}
			added, err := mirror.Sync(cmd.Context(), src, dir, repo, log)
			for _, tag := range added {
				fmt.Fprintf(env.Stdout, "added %s\n", tag)
			}
			if errors.Is(err, mirror.ErrDeploymentSync) {
				return fmt.Errorf("%w (--deployments=false skips them)", err)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "%d releases added to %s\n", len(added), dir)
			if deployments {
				fmt.Fprintf(env.Stdout, "deployments of the newest %d releases copied\n", mirror.MaxDeploymentTags)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "", "mirror directory (required)")
	cmd.Flags().StringVar(&repo, "repo", "", "repository to copy, OWNER/NAME (required)")
	cmd.Flags().StringVar(&apiURL, "api-url", releases.DefaultAPIURL, "GitHub REST API root to copy from")
	cmd.Flags().BoolVar(&deployments, "deployments", true, "also copy the deployments of the newest releases (for require-deployed)")
	return cmd
}
