package etcdmember

import (
	"context"

	"go.uber.org/zap"

	"github.com/necoship/neco/pkg/config"
)

// ServiceManager is told READY=1 and STATUS= lines; units.ServiceNotifier
// is systemd's. The member has no loop of neco's to ping a watchdog from.
type ServiceManager interface {
	Notify(state string) error
}

// DaemonOptions configure RunDaemon.
type DaemonOptions struct {
	Local config.Local
	Log   *zap.Logger
	// Service is told READY=1 once the member serves, and what it does;
	// nil tells nobody.
	Service ServiceManager
}

// Status lines of neco-etcd.service.
const (
	statusServing   = "serving the embedded etcd member"
	statusNotNeeded = "not needed: the local config lists etcd endpoints"
)

// RunDaemon is neco-etcd: on a site whose local config lists no etcd
// endpoints it runs the embedded member until ctx ends (nil) or the member
// fails (its error, for systemd to restart it). With endpoints it says the
// member is not needed and returns nil at once: the unit is pulled in by
// neco-updater.service on every server, and a multi-server site must not
// fail it. It reports ready only once the member serves, so the units
// ordered after it find etcd up.
func RunDaemon(ctx context.Context, o DaemonOptions) error {
	tell := func(state string) {
		if o.Service == nil {
			return
		}
		if err := o.Service.Notify(state); err != nil {
			o.Log.Warn("telling the service manager", zap.String(keyState, state), zap.Error(err))
		}
	}
	if !o.Local.Etcd.Embedded() {
		o.Log.Info(statusNotNeeded)
		tell("READY=1\nSTATUS=" + statusNotNeeded)
		return nil
	}
	tell("STATUS=starting the embedded etcd member")
	m, err := StartMember(ctx, o.Local.DataDir, o.Local.Etcd, o.Log)
	if err != nil {
		return err
	}
	defer m.Close()
	o.Log.Info("embedded etcd started", zap.String(keyURL, o.Local.Etcd.EmbeddedClientURL))
	tell("READY=1\nSTATUS=" + statusServing)
	return m.Wait(ctx)
}

// Constant log field keys.
const (
	keyURL   = "url"
	keyState = "state"
)
