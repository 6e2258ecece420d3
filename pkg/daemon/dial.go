package daemon

import (
	"context"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/necoship/neco/pkg/backoff"
	"github.com/necoship/neco/pkg/config"
	"github.com/necoship/neco/pkg/etcdconn"
)

// dialBackoff spaces connection attempts: boot servers start together and
// the cluster's members may come up in any order, so waiting is normal.
var dialBackoff = backoff.Exponential{Base: time.Second, Max: 30 * time.Second}

// DialCluster connects to etcd, retrying until it answers or ctx ends
// (then it returns ctx's error). A daemon that exited instead would be
// restarted by systemd in a tight loop and lose its log context; this way
// the log says once per attempt why it is still waiting.
func DialCluster(ctx context.Context, l config.Local, log *zap.Logger) (*clientv3.Client, error) {
	for attempt := 0; ; attempt++ {
		c, err := etcdconn.Dial(ctx, l, etcdconn.DialOptions{Logger: etcdClientLogger(log)})
		if err == nil {
			if attempt > 0 {
				log.Info("connected to etcd", zap.Strings(keyEndpoints, l.Etcd.ClientEndpoints()))
			}
			return c, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		wait := dialBackoff.Delay(attempt)
		log.Warn("etcd not reachable; retrying", zap.Error(err), zap.Duration(keyWait, wait))
		if err := backoff.Sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// etcdClientLogger is what the etcd client logs through: warnings and
// errors only, unless the daemon logs at debug. At info the client's own
// lines (each retry of a call, each balancer change) would fill a boot
// server's journal without telling an operator anything the daemon does
// not say itself.
func etcdClientLogger(log *zap.Logger) *zap.Logger {
	l := log.Named("etcd-client")
	if log.Core().Enabled(zap.DebugLevel) {
		return l
	}
	return l.WithOptions(zap.IncreaseLevel(zap.WarnLevel))
}
