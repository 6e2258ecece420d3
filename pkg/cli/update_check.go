package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/necoship/neco/pkg/model"
)

func newUpdateCheckCommand(env Env, cf *clusterFlags) *cobra.Command {
	var wait bool
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Ask neco-updater to look for a new release now",
		Long: `Write request/check: the neco-updater leader checks the site repository
for releases at once instead of at its next poll (check-update-interval),
then answers in info/check-answer. A GitHub webhook delivery to any
neco-updater takes the same path.

With --wait, return once a check that started after the request has
finished and print its outcome: a new release seen, nothing new, or why
the check failed (exit 1). --timeout bounds the wait; a release check that
GitHub slows down may need more than the default 30s.`,
		Example: `  neco update check
  neco update check --wait --timeout 2m`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cf.explain(runUpdateCheck(cmd, env, cf, wait))
		},
	}
	cmd.Flags().BoolVar(&wait, "wait", false, "wait for the check and print its outcome")
	return cmd
}

func runUpdateCheck(cmd *cobra.Command, env Env, cf *clusterFlags, wait bool) error {
	ctx, store, done, err := cf.open(cmd, env, true)
	if err != nil {
		return err
	}
	defer done()
	rev, err := store.RequestCheck(ctx, model.CheckRequest{By: operator(env), At: env.Now().UTC()})
	if err != nil {
		return err
	}
	if !wait {
		fmt.Fprintln(env.Stdout, `release check requested; the neco-updater leader checks at once ("neco update check --wait" prints the outcome)`)
		return nil
	}
	a, err := store.WaitCheckAnswer(ctx, rev)
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("no answer within %s: is a neco-updater leading? (neco status shows the updater leader)", cf.timeout)
	}
	if err != nil {
		return err
	}
	return printCheckAnswer(env, a)
}

// printCheckAnswer says what the check found; a failed check is an error.
func printCheckAnswer(env Env, a model.CheckAnswer) error {
	pick := "no release qualifies"
	if a.Tag != "" {
		pick = fmt.Sprintf("%s (%s)", a.Version, a.Tag)
	}
	switch {
	case a.Error != "":
		return fmt.Errorf("release check failed: %s (the last good listing picks: %s)", oneLine(a.Error), pick)
	case a.New:
		fmt.Fprintf(env.Stdout, "new release seen: %s\n", pick)
	default:
		fmt.Fprintf(env.Stdout, "nothing new: %s\n", pick)
	}
	return nil
}
