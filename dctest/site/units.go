//go:build dctest

package site

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/necoship/neco/dctest/harness"
)

// UnitTimes are a unit's state-change times as systemd recorded them
// (CLOCK_MONOTONIC, which every server shares with the host: they compare
// across servers). Zero means the unit never made that change.
type UnitTimes struct {
	// ActiveExit is when it last left active (a stop or restart began).
	ActiveExit time.Duration
	// InactiveEnter is when it last finished stopping.
	InactiveEnter time.Duration
	// InactiveExit is when it last began starting.
	InactiveExit time.Duration
	// ActiveEnter is when it last became active.
	ActiveEnter time.Duration
	ActiveState string
}

// Times reads unit's UnitTimes in srv with systemctl show.
func Times(ctx context.Context, srv *harness.Server, unit string) (UnitTimes, error) {
	props := []string{"ActiveExitTimestampMonotonic", "InactiveEnterTimestampMonotonic",
		"InactiveExitTimestampMonotonic", "ActiveEnterTimestampMonotonic", "ActiveState"}
	res, err := srv.Exec(ctx, "systemctl", "show", "-p", strings.Join(props, ","), unit)
	if err != nil {
		return UnitTimes{}, err
	}
	var ut UnitTimes
	fields := map[string]*time.Duration{
		props[0]: &ut.ActiveExit, props[1]: &ut.InactiveEnter, props[2]: &ut.InactiveExit, props[3]: &ut.ActiveEnter,
	}
	for _, line := range strings.Split(strings.TrimSpace(res.Stdout), "\n") {
		k, v, _ := strings.Cut(line, "=")
		if k == "ActiveState" {
			ut.ActiveState = v
			continue
		}
		if d, ok := fields[k]; ok {
			usec, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return UnitTimes{}, fmt.Errorf("%s: %s: %s=%q: %w", srv.Name, unit, k, v, err)
			}
			*d = time.Duration(usec) * time.Microsecond
		}
	}
	return ut, nil
}

// StartedVersion is the site version unit's running process started
// with ("" when it never started).
func StartedVersion(ctx context.Context, srv *harness.Server, unit string) (string, error) {
	res, err := srv.Exec(ctx, "cat", startedDir+"/"+unit+".version")
	if res.Code == 1 && strings.Contains(res.Stderr, "No such file") {
		return "", nil
	}
	return strings.TrimSpace(res.Stdout), err
}

// InstalledVersion is the version of the site package dpkg has installed
// in srv ("" when none).
func InstalledVersion(ctx context.Context, srv *harness.Server) (string, error) {
	res, err := srv.Exec(ctx, "dpkg-query", "-W", "-f=${db:Status-Abbrev} ${Version}", PackageName)
	if res.Code == 1 && strings.Contains(res.Stderr, "no packages found") {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	status, version, _ := strings.Cut(res.Stdout, " ")
	if strings.TrimSpace(status) != "ii" {
		return "", fmt.Errorf("%s: %s is %q, not installed", srv.Name, PackageName, status)
	}
	return strings.TrimSpace(version), nil
}

// OnceRuns are the versions the once-step recorded in srv, in order.
func OnceRuns(ctx context.Context, srv *harness.Server) ([]string, error) {
	res, err := srv.Exec(ctx, "sh", "-c", "cat "+OnceLog+" 2>/dev/null || true")
	if err != nil {
		return nil, err
	}
	return strings.Fields(res.Stdout), nil
}

// Journal message ids systemd logs a unit's state changes with
// (systemd/sd-messages.h).
const (
	msgUnitStarting = "7d4958e842da4a758f6c1cdc7b36dcc5"
	msgUnitStarted  = "39f53479d3a045ac8e11786248231fbf"
	msgUnitStopping = "de5b426a63be47a7b6ac3eaac82e2f6f"
	msgUnitStopped  = "9d1aaa27d60140bd96365438aad20286"
)

// UnitEvent is one state change of a unit, from the server's journal.
type UnitEvent struct {
	// Kind is starting, started, stopping or stopped.
	Kind string
	At   time.Time
}

// Events reads unit's state changes since since from srv's journal:
// unlike the unit's timestamps (Times), they survive systemd unloading a
// stopped unit that nothing refers to.
func Events(ctx context.Context, srv *harness.Server, unit string, since time.Time) ([]UnitEvent, error) {
	res, err := srv.Exec(ctx, "journalctl", "--no-pager", "-o", "json", "--output-fields=MESSAGE_ID",
		"--since=@"+strconv.FormatInt(since.Unix(), 10), "UNIT="+unit)
	if err != nil {
		return nil, err
	}
	kinds := map[string]string{msgUnitStarting: "starting", msgUnitStarted: "started", msgUnitStopping: "stopping", msgUnitStopped: "stopped"}
	var events []UnitEvent
	for _, line := range strings.Split(strings.TrimSpace(res.Stdout), "\n") {
		if line == "" {
			continue
		}
		var e struct {
			MessageID string `json:"MESSAGE_ID"`
			Realtime  string `json:"__REALTIME_TIMESTAMP"`
		}
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			return nil, fmt.Errorf("%s: journal of %s: %w", srv.Name, unit, err)
		}
		kind, ok := kinds[e.MessageID]
		if !ok {
			continue
		}
		usec, err := strconv.ParseInt(e.Realtime, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s: journal of %s: %w", srv.Name, unit, err)
		}
		if at := time.UnixMicro(usec); !at.Before(since) {
			events = append(events, UnitEvent{Kind: kind, At: at})
		}
	}
	return events, nil
}

// RollingHeld reports whether the rolling unit in srv is held in its
// start (a release with HoldRollingOn naming srv): activating, its
// ExecStartPre still waiting for ProceedRolling.
func RollingHeld(ctx context.Context, srv *harness.Server) (bool, error) {
	res, err := srv.Exec(ctx, "systemctl", "show", "-p", "ActiveState,SubState", RollingUnit)
	if err != nil {
		return false, err
	}
	props := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(res.Stdout), "\n") {
		k, v, _ := strings.Cut(line, "=")
		props[k] = v
	}
	return props["ActiveState"] == "activating" && props["SubState"] == "start-pre", nil
}

// ProceedRolling lets the rolling unit held in srv finish starting: the
// worker's restart there goes on.
func ProceedRolling(ctx context.Context, srv *harness.Server) error {
	_, err := srv.Exec(ctx, "sh", "-c", "mkdir -p "+startedDir+" && touch "+holdProceed)
	return err
}
