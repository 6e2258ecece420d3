// Command neco-updater runs on every boot server; the elected one decides
// which release the servers run and drives each update to its end. See
// docs/operations.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // release-timezone must resolve on minimal systems

	"go.uber.org/zap"

	"github.com/necoship/neco/pkg/buildinfo"
	"github.com/necoship/neco/pkg/config"
	"github.com/necoship/neco/pkg/daemon"
	"github.com/necoship/neco/pkg/units"
	"github.com/necoship/neco/pkg/updater"
)

func main() {
	configPath := flag.String("config", config.DefaultLocalPath, "local config file")
	name := flag.String("name", "", "election candidate name shown by `neco status` (default: the hostname)")
	version := flag.Bool("version", false, "print the version and exit")
	flag.Parse()
	if *version {
		fmt.Println(buildinfo.String())
		return
	}
	os.Exit(run(*configPath, *name))
}

func run(configPath, name string) int {
	p, code := daemon.Setup("neco-updater", configPath, name)
	if code != 0 {
		return code
	}
	local, log := p.Local, p.Log
	defer log.Sync() //nolint:errcheck // nothing to do about a failed flush at exit
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log.Info("neco-updater starting", zap.String("version", buildinfo.Version), zap.Int("lrn", local.LRN))
	if err := updater.RunDaemon(ctx, updater.DaemonOptions{Local: local, Name: p.Name, Log: log, Service: units.ServiceNotifier{}, Now: p.Now}); err != nil {
		log.Error("neco-updater stopped", zap.Error(err))
		return 1
	}
	log.Info("neco-updater stopped")
	return 0
}
