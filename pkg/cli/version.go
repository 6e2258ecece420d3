package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/necoship/neco/pkg/buildinfo"
)

func newVersionCommand(env Env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of neco",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintln(env.Stdout, buildinfo.String())
			return err
		},
	}
}
