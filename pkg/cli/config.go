package cli

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/necoship/neco/pkg/config"
	"github.com/necoship/neco/pkg/etcdconn"
	"github.com/necoship/neco/pkg/model"
)

func newConfigCommand(env Env, cf *clusterFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Show and change the cluster-wide configuration stored in etcd",
		Long: `The cluster configuration lives in etcd under config/<key> and applies to
every boot server. neco-updater and neco-worker read it from every snapshot,
so a change takes effect on their next loop without a restart, and an
update that is already running is not restarted by it.

Secret keys live apart, under secret/<key>, so that etcd roles can give each
secret only to the daemons that use it; an operator's role may set and
unset them but not read them. They are never taken from the command line
(it shows in ps and in shell history) and never printed unless asked with
--show.

Every set and unset is recorded with who made it (USER@host and the etcd
user) in the same etcd transaction: "neco config history" lists them,
without any secret value.

Keys (name, default, meaning):
` + configKeysHelp(),
		Example: `  neco config set env staging
  neco config set github-token < token.txt
  neco config get env
  neco config list
  neco config history env`,
	}
	cmd.AddCommand(
		newConfigSetCommand(env, cf),
		newConfigGetCommand(env, cf),
		newConfigListCommand(env, cf),
		newConfigUnsetCommand(env, cf),
		newConfigHistoryCommand(env, cf),
	)
	return cmd
}

// configKeysHelp lists the registry in the help text, so the help never
// drifts from the keys this binary knows.
func configKeysHelp() string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	for _, k := range config.Keys() {
		desc := k.Description
		if k.Secret {
			desc += " (secret)"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", k.Name, orDash(k.Default), desc)
	}
	tw.Flush()
	return b.String()
}

// lookupConfigKey returns the registry entry of name, or the config
// package's error that lists every valid key.
func lookupConfigKey(name string) (config.Key, error) {
	if k, ok := config.LookupKey(name); ok {
		return k, nil
	}
	return config.Key{}, unknownKeyError(name)
}

// unknownKeyError is ValidateValue's message for a name outside the
// registry: it lists the valid keys, which is what the operator needs.
// Callers pass names LookupKey does not know.
func unknownKeyError(name string) error {
	if err := config.ValidateValue(name, ""); err != nil {
		return err
	}
	return fmt.Errorf("unknown key %q", name)
}

// shownValue is value as get prints it: redacted (secret keys, URLs with a
// password) unless the operator asked to see it.
func shownValue(name, value string, show bool) string {
	if show {
		return value
	}
	return config.Redact(name, value)
}

// defaultNote says what applies to an unset key.
func defaultNote(k config.Key) string {
	if k.Default == "" {
		return "no default"
	}
	return "the default applies: " + k.Default
}

// configAuthor is who a config change is recorded as: the operator
// (USER@host), the etcd user of the client certificate the local config
// names ("" without one), now to the second. The local config is read
// again rather than passed down from the store opener, which tests
// replace; it is the file the opener just read.
func configAuthor(env Env, cf *clusterFlags) (model.ConfigAuthor, error) {
	local, err := config.LoadLocal(cf.config)
	if err != nil {
		return model.ConfigAuthor{}, fmt.Errorf("local config: %w", err)
	}
	user, err := etcdconn.User(local)
	if err != nil {
		return model.ConfigAuthor{}, fmt.Errorf("etcd user: %w", err)
	}
	return model.ConfigAuthor{By: operator(env), EtcdUser: user, At: env.Now().UTC().Truncate(time.Second)}, nil
}

// notReadableNote says why a secret's value is not shown: etcd refused.
const notReadableNote = "not readable with these etcd credentials"
