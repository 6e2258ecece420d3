//go:build dctest

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/necoship/neco/dctest/harness"
	"github.com/necoship/neco/dctest/site"
)

// state is what up leaves in DIR/state.json for publish and down.
type state struct {
	// Run is the harness run id of the detached cluster.
	Run string `json:"run"`
	// Versions are the releases published, oldest first.
	Versions []string `json:"versions"`
}

func statePath(dir string) string { return filepath.Join(dir, "state.json") }

func loadState(dir string) (state, error) {
	var st state
	b, err := os.ReadFile(statePath(dir))
	if errors.Is(err, fs.ErrNotExist) {
		return st, fmt.Errorf("no demo is up in %s (make demo starts one)", dir)
	}
	if err != nil {
		return st, err
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return st, fmt.Errorf("%s: %w", statePath(dir), err)
	}
	return st, nil
}

func saveState(dir string, st state) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(statePath(dir), append(b, '\n'), 0o644)
}

func say(format string, args ...any) { fmt.Printf("\n\033[1m== "+format+"\033[0m\n", args...) }

func logf(format string, args ...any) { fmt.Fprintf(os.Stderr, "   "+format+"\n", args...) }

func up(ctx context.Context, dir, deb string) error {
	if st, err := loadState(dir); err == nil {
		return fmt.Errorf("a demo is up already (run %s): make demo-down first", st.Run)
	}
	// Absolute: the mirror and the registry outlive this process and its
	// working directory.
	siteDir, err := filepath.Abs(filepath.Join(dir, "site"))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(siteDir, 0o755); err != nil {
		return err
	}
	say("booting three boot servers (systemd-nspawn) with a 3-member etcd")
	c, err := harness.Start(ctx, harness.Options{}, logf)
	if err != nil {
		if c != nil {
			c.Close()
		}
		return err
	}
	say("installing %s on every server, neco join, neco auth setup --enable (a certificate per principal), starting neco-updater and neco-worker", filepath.Base(deb))
	s, err := site.Install(ctx, c, site.Options{NecoDeb: deb, Dir: siteDir, Logf: logf})
	if err == nil {
		err = c.Detach()
	}
	if err != nil {
		c.Close()
		return err
	}
	st := state{Run: c.ID}
	if err := saveState(dir, st); err != nil {
		return err
	}
	return rollout(ctx, dir, s, st, false)
}

func publish(ctx context.Context, dir string, prerelease bool) error {
	st, err := loadState(dir)
	if err != nil {
		return err
	}
	nw, err := harness.AttachNetwork(st.Run)
	if err != nil {
		return fmt.Errorf("the demo's network is gone (%w): make demo-down, then make demo", err)
	}
	return rollout(ctx, dir, site.Open(filepath.Join(dir, "site"), nw, logf), st, prerelease)
}

// rollout publishes the next release, shows neco status --watch until
// its update ends, then says what to do next.
func rollout(ctx context.Context, dir string, s *site.Site, st state, prerelease bool) error {
	version := nextVersion(st.Versions, time.Now())
	kind := "release"
	if prerelease {
		kind = "pre-release"
	}
	say("publishing %s release-%s of the site to the mirror", kind, version)
	if err := s.Publish(ctx, site.Release{Version: version, Prerelease: prerelease}); err != nil {
		return err
	}
	st.Versions = append(st.Versions, version)
	if err := saveState(dir, st); err != nil {
		return err
	}
	say("neco status --watch in boot-0 until the update to %s ends (a release check runs every %v)", version, site.CheckInterval)
	end, err := watch(ctx, st.Run, version)
	if err != nil {
		return err
	}
	shell := harness.ShellPath(st.Run, 0)
	say("the update to %s ended: %s", version, end)
	fmt.Printf(`
  neco in a boot server:    %[1]s neco --config %[2]s status
                            (no arguments: a shell, where neco acts as the operator %[3]s)
  the next release:         make demo-publish
  tear everything down:     make demo-down
`, shell, site.OperatorConfig, site.Operator)
	return nil
}

// nextVersion is today's date with the next free sequence number.
func nextVersion(published []string, now time.Time) string {
	day := now.UTC().Format("2006.01.02")
	n := 1
	for _, v := range published {
		if strings.HasPrefix(v, day+"-") {
			n++
		}
	}
	return fmt.Sprintf("%s-%d", day, n)
}

// watch shows neco status --watch from boot-0 (as the operator) on this
// terminal until the update to version ended, and returns how it ended.
func watch(ctx context.Context, run, version string) (string, error) {
	shell := harness.ShellPath(run, 0)
	cmd := exec.Command(shell, "neco", "--config", site.OperatorConfig, "status", "--watch")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	// Its own process group, so that stopping it reaches neco inside the
	// server through nsenter.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return "", err
	}
	defer func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		cmd.Wait()
	}()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-tick.C:
		}
		out, err := exec.CommandContext(ctx, shell, "neco", "--config", site.OperatorConfig, "status", "--json").Output()
		if err != nil {
			continue // etcd busy: the watch shows it
		}
		var st site.Status
		if json.Unmarshal(out, &st) == nil && st.Ended(version) {
			time.Sleep(time.Second) // let the watch draw the end
			msg := st.Update.State
			if st.Update.Message != "" {
				msg += " (" + st.Update.Message + ")"
			}
			return msg, nil
		}
	}
}

func down(ctx context.Context, dir string) error {
	st, err := loadState(dir)
	if err != nil {
		return err
	}
	say("removing demo run %s", st.Run)
	if err := harness.Down(ctx, st.Run, logf); err != nil {
		return err
	}
	return os.RemoveAll(dir)
}
