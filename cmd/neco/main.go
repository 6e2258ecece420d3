// Command neco shows and steers neco's rollouts. See `neco --help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // release-timezone must resolve on minimal systems

	"github.com/necoship/neco/pkg/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Execute(ctx, cli.SystemEnv(), os.Args[1:])
	stop()
	os.Exit(code)
}
