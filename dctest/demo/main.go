//go:build dctest

// Command demo is `make demo`: the three-boot-server site of the
// data-center test (docs/dctest.md), left running for a person to look
// at. `up` boots it, installs neco, publishes a first release and shows
// `neco status --watch` until the rollout ends; `publish` adds the next
// release; `down` removes everything. State lives in --dir.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

const usage = `usage: demo up --deb NECO_DEB [--dir DIR]
       demo publish [--dir DIR] [--prerelease]
       demo down [--dir DIR]

up       boots three boot servers (systemd-nspawn), a 3-member etcd, a release
         mirror and a registry; installs neco from NECO_DEB; publishes a first
         release of a test site and shows neco status --watch until it is rolled
         out. The site stays up after up returns.
publish  publishes the next release and shows the rollout.
down     removes the site: servers, namespaces, mounts, cgroups, state.
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	fs.Usage = func() { fmt.Fprint(os.Stderr, usage) }
	dir := fs.String("dir", "build/demo", "demo state directory")
	deb := fs.String("deb", "", "the neco .deb to install (up)")
	pre := fs.Bool("prerelease", false, "publish a pre-release (publish)")
	fs.Parse(os.Args[2:])
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch os.Args[1] {
	case "up":
		if *deb == "" {
			err = errors.New("up needs --deb")
			break
		}
		err = up(ctx, *dir, *deb)
	case "publish":
		err = publish(ctx, *dir, *pre)
	case "down":
		err = down(ctx, *dir)
	default:
		fs.Usage()
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}
