package cli

import "github.com/spf13/cobra"

func newUpdateCommand(env Env, cf *clusterFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "update",
		Short: "Check for releases now; approve a waiting release; pause, resume or abort the running update",
		Long: `Steer the updater: "neco update check" makes it look for releases now;
with approval manual, a release waits in info/candidate until "neco update
approve VERSION"; "neco update abort" stops the running update on every
boot server; "neco update pause" holds it between steps until "neco update
resume". "neco status" shows all of it.`,
		Example: `  neco update check --wait
  neco update approve 2026.11.24-1
  neco update pause --reason "incident 42"
  neco update resume
  neco update abort`,
	}
	cmd.AddCommand(newUpdateCheckCommand(env, cf), newUpdateApproveCommand(env, cf), newUpdateAbortCommand(env, cf),
		newUpdatePauseCommand(env, cf), newUpdateResumeCommand(env, cf))
	return cmd
}
