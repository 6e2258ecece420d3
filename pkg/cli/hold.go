package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/storage"
)

func newHoldCommand(env Env, cf *clusterFlags) *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:   "hold VERSION",
		Short: "Keep the updater from moving the site to VERSION on its own",
		Long: `Hold VERSION (policy/holds/VERSION in etcd): while it is held, the updater
never starts an update to it by itself, nor retries it after "neco
recover", even when it is the newest release of the channel. A newer
release is taken as usual. Servers that join still get the version the
site runs.

Hold a release that is known to be bad, or the one a rollback left (a
rollback holds it for you). "neco unhold VERSION" releases it; "neco hold
list" shows every hold and the pin.`,
		Example: `  neco hold 2026.11.24-1 --reason "breaks DHCP on rack 3"
  neco hold list`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return cf.explain(runHold(cmd, env, cf, args[0], reason))
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why, shown in neco status and neco hold list")
	cmd.AddCommand(newHoldListCommand(env, cf))
	return cmd
}

func runHold(cmd *cobra.Command, env Env, cf *clusterFlags, arg, reason string) error {
	return recordPolicy(cmd, env, cf, arg, reason, "hold", (*storage.Storage).PutHold,
		"held %[1]s: the updater will not move the site to it by itself (neco unhold %[1]s)\n")
}

// recordPolicy records VERSION arg with put, as a hold or the pin made by
// this operator now, and prints msg (a format of the version).
func recordPolicy(cmd *cobra.Command, env Env, cf *clusterFlags, arg, reason, what string,
	put func(*storage.Storage, context.Context, model.Hold) error, msg string) error {
	v, err := model.ParseVersion(arg)
	if err != nil {
		return err
	}
	ctx, store, done, err := cf.open(cmd, env, true)
	if err != nil {
		return err
	}
	defer done()
	h := model.Hold{Version: v, Reason: reason, By: operator(env), At: env.Now().UTC().Truncate(time.Second)}
	if err := put(store, ctx, h); err != nil {
		return fmt.Errorf("%s %s: %w", what, v, err)
	}
	fmt.Fprintf(env.Stdout, msg, v)
	return nil
}

// operator names who ran a command that records its author: USER@host,
// SUDO_USER's name first (the person behind sudo).
// operatorAct records act by this command's operator, now (to the second,
// as every time the CLI writes).
func operatorAct(env Env, act model.ActKind) model.OperatorAct {
	return model.OperatorAct{Act: act, By: operator(env), At: env.Now().UTC().Truncate(time.Second)}
}

func operator(env Env) string {
	user := env.Getenv("SUDO_USER")
	if user == "" {
		user = env.Getenv("USER")
	}
	host, err := env.Hostname()
	if err != nil || host == "" {
		host = "unknown-host"
	}
	if user == "" {
		return host
	}
	return user + "@" + host
}
