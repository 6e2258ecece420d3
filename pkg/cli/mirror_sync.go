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
	cmd := &cobra.Command{
		Use:   "sync --repo OWNER/NAME --dir DIR",
		Short: "Copy a repository's releases from GitHub into a mirror directory",
		Long: `Copy every release of OWNER/NAME that the mirror does not have yet, with
its assets. Releases already in the mirror are left alone, so running it
from cron keeps an air-gapped mirror current. The token, if needed, is read
from NECO_GITHUB_TOKEN.`,
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
			added, err := mirror.Sync(cmd.Context(), client, dir, repo, log)
			for _, tag := range added {
				fmt.Fprintf(env.Stdout, "added %s\n", tag)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "%d releases added to %s\n", len(added), dir)
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "", "mirror directory (required)")
	cmd.Flags().StringVar(&repo, "repo", "", "repository to copy, OWNER/NAME (required)")
	cmd.Flags().StringVar(&apiURL, "api-url", releases.DefaultAPIURL, "GitHub REST API root to copy from")
	return cmd
}
