package updater

import (
	"context"
	"errors"
	"time"

	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"

	"github.com/necoship/neco/pkg/buildinfo"
	"github.com/necoship/neco/pkg/config"
	"github.com/necoship/neco/pkg/daemon"
	"github.com/necoship/neco/pkg/etcdconn"
	"github.com/necoship/neco/pkg/leader"
	"github.com/necoship/neco/pkg/metrics"
	"github.com/necoship/neco/pkg/notify"
	"github.com/necoship/neco/pkg/releases"
	"github.com/necoship/neco/pkg/storage"
)

// DaemonOptions configure one neco-updater process.
type DaemonOptions struct {
	Local config.Local
	// Name is this process's election candidate name, shown by
	// `neco status` as the leader: the boot server's hostname.
	Name string
	Log  *zap.Logger
	// Service is told about readiness, status and liveness
	// (units.ServiceNotifier under systemd); nil tells nobody.
	Service daemon.ServiceManager
}

// RunDaemon is neco-updater: it runs the embedded etcd member when the
// local config lists no endpoints, connects, serves the release webhook
// when webhook-listen is set, and campaigns; while it leads, Controller.Run
// drives updates. Every updater runs the same code, so any of them can take
// over. It returns when ctx ends (nil) or a part fails for good.
func RunDaemon(ctx context.Context, o DaemonOptions) error {
	log := o.Log
	sup := daemon.NewSupervisor(o.Service, log)
	sup.Status("connecting to etcd")
	if o.Local.Etcd.Embedded() {
		m, err := etcdconn.StartMember(ctx, o.Local.DataDir, o.Local.Etcd, log)
		if err != nil {
			return err
		}
		defer m.Close()
		log.Info("embedded etcd started", zap.String(keyKey, o.Local.Etcd.EmbeddedClientURL))
		ctx = withMember(ctx, m)
	}
	client, err := daemon.DialCluster(ctx, o.Local.ForUpdater(), log)
	if err != nil {
		return daemonEnd(ctx, err)
	}
	defer client.Close()
	sup.Ready() // DialCluster has read from etcd
	sup.Status(statusFollowing)
	reg := metrics.NewRegistry(buildinfo.Version)
	m := metrics.NewUpdater(reg)
	st := storage.New(client, o.Local.Etcd.Prefix).WithSecrets(config.UpdaterSecrets()...)
	el, err := leader.New(leader.Options{Client: client, Key: st.LeaderUpdaterKey(), Name: o.Name, Logger: log})
	if err != nil {
		return err
	}
	trigger := releases.NewTrigger()
	notes := NewNotifications(notify.Options{Logger: log.Named("notify"), OnFailure: m.NotificationFailed}, m)
	ctl := &Controller{
		Store: st, Checker: NewReleaseChecker(log.Named("releases"), m), Notifier: notes,
		Trigger: trigger, Gate: &PrometheusGate{}, Log: log, Now: time.Now, Metrics: m, Supervisor: sup,
	}

	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { notes.Run(gctx); return nil })
	g.Go(func() error { return el.Run(gctx, ctl.Run) })
	// While campaigning the loop is not ours to watch; while leading, Run
	// beats itself and a stuck round starves the watchdog.
	g.Go(func() error { sup.BeatWhile(gctx, func() bool { return !ctl.Leading() }); return nil })
	if addr := o.Local.MetricsListen; addr != "" {
		g.Go(func() error { return daemon.Serve(gctx, addr, reg.Handler(), log.Named("metrics")) })
	}
	if addr := o.Local.WebhookListen; addr != "" {
		checks := CheckForwarder{Requests: st, By: "webhook@" + o.Name, Now: time.Now}
		hook := &WebhookEndpoint{Config: st, Checks: checks, Log: log.Named("webhook"), Rejected: m.WebhookRejected}
		g.Go(func() error { return daemon.Serve(gctx, addr, hook, log.Named("webhook")) })
	}
	return daemonEnd(ctx, g.Wait())
}

// daemonEnd turns the end of the process's context into a clean stop, and
// reports a failed embedded member as the cause it is.
func daemonEnd(ctx context.Context, err error) error {
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
		return cause
	}
	if ctx.Err() != nil || errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// withMember returns a context that ends, with the member's error as its
// cause, when the embedded member fails: nothing can work without it.
func withMember(ctx context.Context, m *etcdconn.Member) context.Context {
	ctx, cancel := context.WithCancelCause(ctx)
	go func() {
		if err := m.Wait(ctx); err != nil {
			cancel(err)
		}
	}()
	return ctx
}
