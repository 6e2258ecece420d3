package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/necoship/neco/pkg/config"
)

// maxConfigValue bounds a value read from standard input. The largest
// legitimate value, a bundle of OpenPGP keys, is a few KiB; a runaway pipe
// must not be buffered whole and then refused by etcd.
const maxConfigValue = 1 << 20

// tokenKey may also come from tokenEnv, the variable `neco releases` reads,
// so an operator who exported it once can store it without a pipe.
const (
	tokenKey = "github-token"
	tokenEnv = "NECO_GITHUB_TOKEN"
)

func newConfigSetCommand(env Env, cf *clusterFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "set KEY [VALUE]",
		Short: "Set a cluster config key; the daemons apply it on their next loop",
		Long: `Validate VALUE for KEY and store it in etcd (config/KEY; secret/KEY for a
secret key, replacing a config/KEY an older neco left). neco-updater and
neco-worker pick the change up on their next loop without restarting; a
running update is not restarted by it. See "neco config --help" for the
keys. The change is recorded with you as its author, in the same etcd
transaction: see "neco config history".

VALUE "-" reads the value from standard input (needed for the multi-line
signing-keys). Secret keys (` + strings.Join(secretKeyNames(), ", ") + `) are
never taken as an argument, which would show in ps and in shell history:
they are read from standard input, and github-token from NECO_GITHUB_TOKEN
when it is set. Surrounding whitespace and the final newline are trimmed.
To unset a key, use "neco config unset".`,
		Example: `  neco config set env staging
  neco config set release-time '0 3 * * 1-5'
  neco config set github-token < token.txt
  NECO_GITHUB_TOKEN=ghp_... neco config set github-token
  neco config set signing-keys - < site-signing-keys.asc`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return cf.explain(runConfigSet(cmd, env, cf, args[0], args[1:]))
		},
	}
}

func runConfigSet(cmd *cobra.Command, env Env, cf *clusterFlags, name string, rest []string) error {
	key, err := lookupConfigKey(name)
	if err != nil {
		return err
	}
	value, err := configValue(env, key, rest)
	if err != nil {
		return err
	}
	if err := config.ValidateValue(name, value); err != nil {
		return err
	}
	ctx, store, done, err := cf.open(cmd, env, true)
	if err != nil {
		return err
	}
	defer done()
	if err := checkConfigMeaning(ctx, env.Stderr, store, name, value); err != nil {
		return err
	}
	by, err := configAuthor(env, cf)
	if err != nil {
		return err
	}
	if err := store.PutConfig(ctx, name, value, by); err != nil {
		return fmt.Errorf("set %s: %w", name, err)
	}
	fmt.Fprintln(env.Stdout, setConfirmation(key, value))
	return nil
}

// configValue returns the value to store: the argument, NECO_GITHUB_TOKEN
// or standard input, trimmed and checked for shape (not for meaning: that
// is ValidateValue's job).
func configValue(env Env, key config.Key, rest []string) (string, error) {
	var value string
	switch {
	case len(rest) == 1 && rest[0] != "-" && key.Secret:
		return "", secretArgError(key)
	case len(rest) == 1 && rest[0] != "-":
		value = rest[0]
	case len(rest) == 0 && key.Name == tokenKey && env.Getenv(tokenEnv) != "":
		value = env.Getenv(tokenEnv)
	case len(rest) == 0 && !key.Secret:
		return "", fmt.Errorf(`%s needs a VALUE, or "-" to read it from standard input`, key.Name)
	default:
		v, err := readStdinValue(env, key.Name)
		if err != nil {
			return "", err
		}
		value = v
	}
	value = strings.TrimSpace(value)
	if value == "" {
		return "", fmt.Errorf(`%s: empty value; to unset it, run "neco config unset %s"`, key.Name, key.Name)
	}
	if n := strings.Count(value, "\n") + 1; n > 1 && !key.MultiLine {
		return "", fmt.Errorf("%s: the value has %d lines; want one", key.Name, n)
	}
	return value, nil
}

func secretArgError(key config.Key) error {
	from := "standard input"
	if key.Name == tokenKey {
		from += " (or " + tokenEnv + ")"
	}
	return fmt.Errorf("%s is secret: pass it on %s, not as an argument", key.Name, from)
}

// readStdinValue reads the whole of standard input, up to maxConfigValue.
// An operator at a terminal is told what is expected instead of facing a
// command that seems to hang.
func readStdinValue(env Env, name string) (string, error) {
	if env.Stdin == nil {
		return "", nil
	}
	if isTerminal(env.Stdin) {
		fmt.Fprintf(env.Stderr, "reading %s from standard input; end it with Ctrl-D\n", name)
	}
	b, err := io.ReadAll(io.LimitReader(env.Stdin, maxConfigValue+1))
	if err != nil {
		return "", fmt.Errorf("read %s from standard input: %w", name, err)
	}
	if len(b) > maxConfigValue {
		return "", errors.New(name + ": standard input holds more than 1 MiB; no config value is that large")
	}
	return string(b), nil
}

// setConfirmation never repeats a secret: only its name is printed.
func setConfirmation(key config.Key, value string) string {
	switch {
	case key.Secret:
		return key.Name + " set"
	case strings.Contains(value, "\n"):
		return fmt.Sprintf("%s set (%d lines)", key.Name, strings.Count(value, "\n")+1)
	}
	return key.Name + " = " + config.Redact(key.Name, value)
}

// secretKeyNames lists the secret keys, from the registry, so that the
// help never forgets one.
func secretKeyNames() []string {
	var names []string
	for _, k := range config.Keys() {
		if k.Secret {
			names = append(names, k.Name)
		}
	}
	return names
}
