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
	// Now is the clock the controller decides by; nil is time.Now.
	Now func() time.Time
}

// RunDaemon is neco-updater: it connects to etcd (on a single-server site
// the embedded member neco-etcd runs), serves the release webhook
// when webhook-listen is set, and campaigns; while it leads, Controller.Run
// drives updates. Every updater runs the same code, so any of them can take
// over. It returns when ctx ends (nil) or a part fails for good.
func RunDaemon(ctx context.Context, o DaemonOptions) error {
	log := o.Log
	if o.Now == nil {
		o.Now = time.Now
	}
	sup := daemon.NewSupervisor(o.Service, log)
	sup.Status("connecting to etcd")
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
		Trigger: trigger, Gate: &PrometheusGate{}, Log: log, Now: o.Now, Metrics: m, Supervisor: sup,
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
		checks := CheckForwarder{Requests: st, By: "webhook@" + o.Name, Now: o.Now}
		hook := &WebhookEndpoint{Config: st, Checks: checks, Log: log.Named("webhook"), Rejected: m.WebhookRejected}
		g.Go(func() error { return daemon.Serve(gctx, addr, hook, log.Named("webhook")) })
	}
	return daemonEnd(ctx, g.Wait())
}

// daemonEnd turns the end of the process's context into a clean stop.
func daemonEnd(ctx context.Context, err error) error {
	if ctx.Err() != nil || errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
