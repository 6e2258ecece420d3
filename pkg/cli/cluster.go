package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/necoship/neco/pkg/config"
	"github.com/necoship/neco/pkg/etcdconn"
	"github.com/necoship/neco/pkg/storage"
)

// StoreOpener connects to the cluster's etcd as the local config file at
// configPath says. The returned function closes the connection.
type StoreOpener func(ctx context.Context, configPath string) (*storage.Storage, func(), error)

// openSystemStore is the StoreOpener of the real command.
func openSystemStore(ctx context.Context, configPath string) (*storage.Storage, func(), error) {
	local, err := config.LoadLocal(configPath)
	if err != nil {
		return nil, nil, fmt.Errorf("local config: %w", err)
	}
	c, err := etcdconn.Dial(ctx, local, etcdconn.DialOptions{})
	if err != nil {
		return nil, nil, err
	}
	return storage.New(c, local.Etcd.Prefix), func() { c.Close() }, nil
}

// clusterFlags are the root's persistent flags for commands that talk to
// etcd.
type clusterFlags struct {
	config  string
	timeout time.Duration
}

// defaultTimeout bounds one command's etcd calls; --watch is not bounded.
const defaultTimeout = 30 * time.Second

func (f *clusterFlags) register(cmd *cobra.Command, env Env) {
	def := env.Getenv("NECO_CONFIG")
	if def == "" {
		def = config.DefaultLocalPath
	}
	cmd.PersistentFlags().StringVar(&f.config, "config", def,
		"local config file that names the etcd endpoints (env NECO_CONFIG)")
	cmd.PersistentFlags().DurationVar(&f.timeout, "timeout", defaultTimeout,
		"give up on etcd after this long")
}

// open connects for one command. The context it returns ends after
// --timeout (bounded is false: only ctx's own end), the close function
// releases both.
func (f *clusterFlags) open(cmd *cobra.Command, env Env, bounded bool) (context.Context, *storage.Storage, func(), error) {
	ctx, cancel := cmd.Context(), context.CancelFunc(func() {})
	if bounded {
		ctx, cancel = context.WithTimeout(ctx, f.timeout)
	}
	s, closeStore, err := env.OpenStore(ctx, f.config)
	if err != nil {
		cancel()
		return nil, nil, nil, err
	}
	return ctx, s, func() { closeStore(); cancel() }, nil
}
