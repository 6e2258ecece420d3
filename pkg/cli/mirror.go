package cli

import "github.com/spf13/cobra"

func newMirrorCommand(env Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "mirror",
		Short: "Serve, publish to and sync a GitHub-compatible release mirror",
		Long: `A neco mirror is a directory served over the part of GitHub's REST API
that neco uses (list releases, latest, by tag, asset download, and the
deployments and their statuses that require-deployed reads). Air-gapped
sites point github-api-url at it; tests and the demo use it too.

Layout: DIR/OWNER/NAME/releases/TAG/{release.json,assets/...} and
DIR/OWNER/NAME/deployments.json.`,
	}
	cmd.AddCommand(newMirrorServeCommand(env), newMirrorPublishCommand(env), newMirrorSyncCommand(env))
	return cmd
}
