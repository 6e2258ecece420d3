// Command neco-worker runs on every boot server: it installs the release
// the updater chose, restarts the site's units in the order its plan asks,
// and reports each step to etcd. See docs/worker.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"go.uber.org/zap"

	"github.com/necoship/neco/pkg/buildinfo"
	"github.com/necoship/neco/pkg/config"
	"github.com/necoship/neco/pkg/daemon"
	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/op"
	"github.com/necoship/neco/pkg/units"
	"github.com/necoship/neco/pkg/worker"
)

// exitRestart asks systemd (Restart=always) to start the new binary after
// a self-update; any exit would, but a distinct code tells the journal why.
const exitRestart = 3

func main() {
	configPath := flag.String("config", config.DefaultLocalPath, "local config file")
	name := flag.String("name", "", "candidate name for the worker leader election (default: the hostname)")
	version := flag.Bool("version", false, "print the version and exit")
	flag.Parse()
	if *version {
		fmt.Println(buildinfo.String())
		return
	}
	os.Exit(run(*configPath, *name))
}

func run(configPath, name string) int {
	p, code := daemon.Setup("neco-worker", configPath, name)
	if code != 0 {
		return code
	}
	local, log := p.Local, p.Log
	defer log.Sync() //nolint:errcheck // nothing to do about a failed flush at exit
	// A binary built without a version meets no plan requirement, so a
	// plan with one would make it update itself: say so up front.
	necoVersion, err := model.ParseVersion(buildinfo.Version)
	if err != nil {
		log.Warn("this binary has no usable version; plans that require a neco version will update it", zap.String("version", buildinfo.String()))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log.Info("neco-worker starting", zap.String("version", buildinfo.String()), zap.Int("lrn", local.LRN))
	err = worker.RunDaemon(ctx, worker.DaemonOptions{Local: local, Name: p.Name, NecoVersion: necoVersion, Log: log, Service: units.ServiceNotifier{}, Now: p.Now})
	switch {
	case errors.Is(err, op.ErrRestart):
		log.Info("neco-worker exits to run the updated binary")
		return exitRestart
	case err != nil:
		log.Error("neco-worker stopped", zap.Error(err))
		return 1
	}
	log.Info("neco-worker stopped")
	return 0
}
