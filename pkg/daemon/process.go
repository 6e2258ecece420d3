package daemon

import (
	"fmt"
	"os"
	"time"

	"go.uber.org/zap"

	"github.com/necoship/neco/pkg/config"
	"github.com/necoship/neco/pkg/etcdconn"
	"github.com/necoship/neco/pkg/model"
)

// Process is what neco-updater and neco-worker set up before anything
// else: the local config, the logger, and the name they campaign under.
type Process struct {
	Local config.Local
	Log   *zap.Logger
	Name  string
	// Now is the clock the daemon decides and reports by: time.Now,
	// unless ClockOffsetEnv moves it (tests only).
	Now func() time.Time
}

// Setup loads the local config at configPath and makes the logger at its
// level, on stdout (journald keeps it under systemd): JSON, or console
// lines when stdout is a terminal. name defaults to the hostname. What fails before the logger
// exists goes to stderr, prefixed with prog. On failure it returns the exit
// status: 2 for a configuration the operator must fix, 1 otherwise.
func Setup(prog, configPath, name string) (Process, int) {
	local, err := config.LoadLocal(configPath)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", prog, err)
		return Process{}, 2
	}
	log, err := NewLogger(os.Stdout, local.LogLevel, FormatFor(os.Stdout))
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", prog, err)
		return Process{}, 2
	}
	if name == "" {
		if name, err = os.Hostname(); err != nil {
			log.Error("hostname", zap.Error(err))
			return Process{}, 1
		}
	}
	if err := model.CheckHostname(name); err != nil {
		fmt.Fprintf(os.Stderr, "%s: candidate name (--name or the hostname): %v\n", prog, err)
		return Process{}, 2
	}
	// A TLS file that is missing or broken now will not heal by retrying
	// the dial: say which field, and let systemd show the failure.
	if err := etcdconn.CheckTLSFiles(local); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %s: %v\n", prog, configPath, err)
		return Process{}, 2
	}
	now, offset, err := clockFromEnv()
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", prog, err)
		return Process{}, 2
	}
	if offset != 0 {
		log.Warn("the clock is moved for a test; never set this on a real server",
			zap.String("env", ClockOffsetEnv), zap.Duration("offset", offset))
	}
	return Process{Local: local, Log: log, Name: name, Now: now}, 0
}
