package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/necoship/neco/pkg/buildinfo"
	"github.com/necoship/neco/pkg/releases"
)

// Env carries what subcommands need from the outside world, so tests can
// run the command tree with their own streams and environment.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Getenv reads environment variables (NECO_GITHUB_TOKEN, NECO_CONFIG).
	Getenv func(string) string
	// OpenStore connects to the cluster's etcd.
	OpenStore StoreOpener
	// Now reads the clock: status shows elapsed times, join records when.
	Now func() time.Time
	// Hostname names this machine for `neco join`.
	Hostname func() (string, error)
	// Width is the terminal's width in columns, 0 when Stdout is not a
	// terminal (nothing is cut then); nil is 0.
	Width func() int
}

// width is env's terminal width, 0 when unknown.
func (env Env) width() int {
	if env.Width == nil {
		return 0
	}
	return env.Width()
}

// SystemEnv is the process's own streams and environment.
func SystemEnv() Env {
	return Env{
		Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv,
		OpenStore: openSystemStore, Now: time.Now, Hostname: os.Hostname,
		Width: func() int { return terminalWidth(os.Stdout) },
	}
}

// NewRootCommand builds the `neco` command tree.
func NewRootCommand(env Env) *cobra.Command {
	root := &cobra.Command{
		Use:   "neco",
		Short: "Roll site releases out to boot servers, safely and in order",
		Long: `neco watches a site repository's GitHub Releases and rolls each release
out to the data center's boot servers through etcd: neco-updater decides,
neco-worker installs and restarts, and this command shows and steers it.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		// neco --version prints what neco version does, and what
		// neco-updater --version and neco-worker --version print.
		Version: buildinfo.String(),
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetIn(env.Stdin)
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	var cf clusterFlags
	cf.register(root, env)
	root.AddCommand(
		newStatusCommand(env, &cf),
		newHistoryCommand(env, &cf),
		newConfigCommand(env, &cf),
		newJoinCommand(env, &cf),
		newLeaveCommand(env, &cf),
		newUpdateCommand(env, &cf),
		newAuthCommand(env, &cf),
		newRecoverCommand(env, &cf),
		newRollbackCommand(env, &cf),
		newPlanCommand(env, &cf),
		newHoldCommand(env, &cf),
		newUnholdCommand(env, &cf),
		newPinCommand(env, &cf),
		newUnpinCommand(env, &cf),
		newVersionCommand(env),
		newReleasesCommand(env),
		newMirrorCommand(env),
		newGenerateDocsCommand(env),
	)
	return root
}

// Execute runs the command tree with args and returns the process exit
// code. Errors are printed as one line.
func Execute(ctx context.Context, env Env, args []string) int {
	root := NewRootCommand(env)
	root.SetArgs(args)
	if err := root.ExecuteContext(ctx); err != nil {
		if errors.Is(err, context.Canceled) {
			fmt.Fprintln(env.Stderr, "neco: interrupted")
			return 130
		}
		fmt.Fprintf(env.Stderr, "neco: %v\n", err)
		return 1
	}
	return 0
}

// interactiveRetry gives up sooner than the daemons: a person is waiting.
var interactiveRetry = releases.RetryPolicy{Attempts: 3}

// cliLogger logs warnings and errors to stderr in a human format; the CLI
// prints results, not logs.
func cliLogger(w io.Writer) *zap.Logger {
	enc := zap.NewDevelopmentEncoderConfig()
	enc.TimeKey = ""
	core := zapcore.NewCore(zapcore.NewConsoleEncoder(enc), zapcore.AddSync(w), zapcore.WarnLevel)
	return zap.New(core)
}
