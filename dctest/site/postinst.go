//go:build dctest

package site

import (
	"context"
	"fmt"
	"strings"

	"github.com/necoship/neco/dctest/harness"
)

// The files inside a server by which a release with HoldPostinstOn holds
// its postinst: it creates postinstHeld, then waits for postinstProceed.
const (
	postinstHeld    = startedDir + "/postinst.held"
	postinstProceed = startedDir + "/postinst.proceed"
)

// postinst is the site package's postinst for r, "" for none. With
// HoldPostinstOn it holds on the server of that hostname (read from the
// kernel: the hostname command is not essential); with RestartInPostinst
// it ends as dh_installsystemd's snippet does for a unit restarted after
// upgrade, daemon-reload and deb-systemd-invoke included.
func postinst(r Release) string {
	if r.HoldPostinstOn == "" && !r.RestartInPostinst {
		return ""
	}
	var b strings.Builder
	b.WriteString("#!/bin/sh\nset -e\n")
	if r.HoldPostinstOn != "" {
		fmt.Fprintf(&b, `if [ "$(cat /proc/sys/kernel/hostname)" = %s ]; then
	mkdir -p %s && touch %s
	while [ ! -e %s ]; do sleep 0.2; done
fi
`, r.HoldPostinstOn, startedDir, postinstHeld, postinstProceed)
	}
	if r.RestartInPostinst {
		fmt.Fprintf(&b, `if [ "$1" = "configure" ] || [ "$1" = "abort-upgrade" ] || [ "$1" = "abort-deconfigure" ] || [ "$1" = "abort-remove" ] ; then
	if [ -d /run/systemd/system ]; then
		systemctl --system daemon-reload >/dev/null || true
		if [ -n "$2" ]; then
			_dh_action=restart
		else
			_dh_action=start
		fi
		deb-systemd-invoke $_dh_action '%s' >/dev/null || true
	fi
fi
`, RollingUnit)
	}
	return b.String()
}

// PostinstHeld reports whether the site package's postinst holds in srv
// (a release with HoldPostinstOn naming srv) and dpkg says the package is
// half-configured meanwhile.
func PostinstHeld(ctx context.Context, srv *harness.Server) (bool, error) {
	res, err := srv.Exec(ctx, "sh", "-c", "test -e "+postinstHeld+" && dpkg-query -W -f='${Status}' "+PackageName+" || true")
	if err != nil {
		return false, err
	}
	return strings.TrimSpace(res.Stdout) == "install ok half-configured", nil
}

// ProceedPostinst lets the postinst held in srv go on.
func ProceedPostinst(ctx context.Context, srv *harness.Server) error {
	_, err := srv.Exec(ctx, "sh", "-c", "mkdir -p "+startedDir+" && touch "+postinstProceed)
	return err
}
