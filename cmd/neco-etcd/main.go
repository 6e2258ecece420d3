// Command neco-etcd runs the embedded single-member etcd of a single-server
// site (a local config without etcd endpoints), as neco-etcd.service. It is
// a binary of its own so that neco-updater and neco-worker do not link
// etcd's server. See docs/etcd.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"go.uber.org/zap"

	"github.com/necoship/neco/pkg/buildinfo"
	"github.com/necoship/neco/pkg/config"
	"github.com/necoship/neco/pkg/daemon"
	"github.com/necoship/neco/pkg/etcdmember"
	"github.com/necoship/neco/pkg/units"
)

func main() {
	configPath := flag.String("config", config.DefaultLocalPath, "local config file")
	version := flag.Bool("version", false, "print the version and exit")
	flag.Parse()
	if *version {
		fmt.Println(buildinfo.String())
		return
	}
	os.Exit(run(*configPath))
}

func run(configPath string) int {
	p, code := daemon.Setup("neco-etcd", configPath, "")
	if code != 0 {
		return code
	}
	log := p.Log
	defer log.Sync() //nolint:errcheck // nothing to do about a failed flush at exit
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log.Info("neco-etcd starting", zap.String("version", buildinfo.Version))
	if err := etcdmember.RunDaemon(ctx, etcdmember.DaemonOptions{Local: p.Local, Log: log, Service: units.ServiceNotifier{}}); err != nil {
		log.Error("neco-etcd stopped", zap.Error(err))
		return 1
	}
	log.Info("neco-etcd stopped")
	return 0
}
