package worker

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"

	"github.com/necoship/neco/pkg/config"
	"github.com/necoship/neco/pkg/daemon"
	"github.com/necoship/neco/pkg/deb"
	"github.com/necoship/neco/pkg/images"
	"github.com/necoship/neco/pkg/leader"
	"github.com/necoship/neco/pkg/metrics"
	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/op"
	"github.com/necoship/neco/pkg/storage"
	"github.com/necoship/neco/pkg/units"
)

// DaemonOptions configure one neco-worker process.
type DaemonOptions struct {
	Local config.Local
	// Name is this worker's candidate name for leader/worker/: the boot
	// server's hostname.
	Name string
	// NecoVersion is the version of this binary; the prepare step
	// compares it with the plan's neco requirement.
	NecoVersion model.Version
	Log         *zap.Logger
	// Service is told about readiness, status and liveness
	// (units.ServiceNotifier under systemd); nil tells nobody.
	Service daemon.ServiceManager
	// Now is the clock the worker decides and reports by; nil is
	// time.Now.
	Now func() time.Time
}

// RunDaemon is neco-worker: it connects to etcd (to systemd and containerd
// when a step first needs them), campaigns for leader/worker/ (once-steps)
// and runs the loop. It returns
// nil when ctx ends, op.ErrRestart after a self-update (the caller exits
// and systemd starts the new binary), or the error that stopped it.
func RunDaemon(ctx context.Context, o DaemonOptions) error {
	log, wc := o.Log, o.Local.Worker
	sup := daemon.NewSupervisor(o.Service, log)
	sup.Status("connecting to etcd")
	client, err := daemon.DialCluster(ctx, o.Local, log)
	if err != nil {
		return quiet(ctx, err)
	}
	defer client.Close()
	sup.Ready() // DialCluster has read from etcd
	reg := metrics.NewRegistry(o.NecoVersion.String())
	st := storage.New(client, o.Local.Etcd.Prefix).WithSecrets(config.WorkerSecrets()...)
	sd, ctrd := connectors(wc, log)
	defer sd.Close()
	defer ctrd.Close()
	pkgs, err := packages(wc, sd)
	if err != nil {
		return err
	}
	recoverDpkg(ctx, pkgs.Installer, log)
	lead := NewLeadership()
	plans := &Plans{Root: wc.Root}
	el, err := leader.New(leader.Options{Client: client, Key: st.LeaderWorkerKey(), Name: o.Name, Logger: log.Named("leader")})
	if err != nil {
		return err
	}
	w := &Worker{
		Store: st, LRN: o.Local.LRN, Plans: plans, Leader: lead,
		PrepareTimeout: wc.PrepareTimeout, Log: log, Metrics: metrics.NewWorker(reg), Supervisor: sup, Now: o.Now,
		Infra: func(cfg config.Cluster) op.Infra {
			return op.Infra{
				Releases: Releases{Config: cfg, Log: log.Named("releases")}, Packages: pkgs,
				Images: lazyImages{ctrd, registryAccess(cfg)}, Units: lazyUnits{sd}, Commands: Commands{},
				Plans: plans, Records: st, NecoVersion: o.NecoVersion,
				CacheDir: filepath.Join(o.Local.DataDir, "cache"),
			}
		},
	}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return el.Run(gctx, lead.Lead) })
	if addr := wc.MetricsListen; addr != "" {
		g.Go(func() error { return daemon.Serve(gctx, addr, reg.Handler(), log.Named("metrics")) })
	}
	g.Go(func() error {
		if err := w.Run(gctx); err != nil {
			return err
		}
		return gctx.Err()
	})
	return quiet(ctx, g.Wait())
}

// connectors return the lazily made connections to systemd and containerd.
func connectors(wc config.Worker, log *zap.Logger) (*lazy[Units], *lazy[Images]) {
	sd := &lazy[Units]{
		connect: func(ctx context.Context) (Units, error) {
			m, err := units.Connect(ctx, units.Options{BusAddress: wc.SystemdBus})
			return Units{Manager: m}, err
		},
		close: func(u Units) { u.Manager.Close() },
	}
	ctrd := &lazy[Images]{
		connect: func(ctx context.Context) (Images, error) {
			p, err := images.New(ctx, images.Options{
				Address: wc.ContainerdAddress, Namespace: wc.ContainerdNamespace, Snapshotter: wc.Snapshotter,
				PlainHTTP: wc.PlainHTTPRegistries, Mirrors: wc.RegistryMirrors, Logger: log.Named("images"),
			})
			return Images{Puller: p}, err
		},
		close: func(im Images) { im.Puller.Close() },
	}
	return sd, ctrd
}

// packages builds the installers: the self-update one runs dpkg -i as a
// transient unit, outside neco-worker's cgroup, so that the package's prerm
// stopping neco-worker does not kill dpkg halfway.
func packages(wc config.Worker, sd *lazy[Units]) (Packages, error) {
	// The site's packages run with the policy-rc.d guard: their
	// maintainer scripts must not restart what the plan restarts in
	// order. neco's own package does not: its postinst restarting
	// neco-updater is how a self-update reaches it (docs/worker.md).
	inst, err := deb.New(deb.Options{Root: wc.Root, DenyServiceActions: true})
	if err != nil {
		return Packages{}, err
	}
	self, err := deb.New(deb.Options{Root: wc.Root, RunInstall: func(ctx context.Context, argv []string) ([]byte, []byte, error) {
		u, err := sd.get(ctx)
		if err != nil {
			return nil, nil, err
		}
		return nil, nil, u.Manager.RunTransient(ctx, wc.SelfUpdateUnit, argv)
	}})
	if err != nil {
		return Packages{}, err
	}
	return Packages{Installer: inst, Self: self}, nil
}

// recoverDpkg undoes what a killed worker may have left (deb.Recover): a
// policy-rc.d guard still in place is taken away first, before anything
// else can run dpkg. What dpkg's audit finds is logged; the package neco
// was installing is repaired by the step that installs it again. Nothing
// here stops the worker: a step that needs dpkg fails and reports it.
func recoverDpkg(ctx context.Context, inst *deb.Installer, log *zap.Logger) {
	rec, err := inst.Recover(ctx)
	if rec.Policy != "" {
		log.Warn("a killed neco-worker had left its policy-rc.d guard in place", zap.String(keyAction, rec.Policy))
	}
	if rec.Audit != "" {
		log.Warn("dpkg --audit reports unfinished packages; the next install of a site package repairs its own", zap.String(keyAudit, rec.Audit))
	}
	if err != nil {
		log.Error("recovering dpkg's state failed", zap.Error(err))
	}
}

// quiet turns the end of ctx into a clean stop.
func quiet(ctx context.Context, err error) error {
	switch {
	case errors.Is(err, op.ErrRestart):
		return err
	case ctx.Err() != nil || errors.Is(err, context.Canceled):
		return nil
	case err != nil:
		return fmt.Errorf("neco-worker: %w", err)
	}
	return nil
}
