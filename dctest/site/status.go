//go:build dctest

package site

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/necoship/neco/dctest/harness"
)

// Status is what the scenarios read of `neco status --json` (the schema
// of docs/cli.md); decoding it here also checks that the documented
// fields are there.
type Status struct {
	UpdaterLeader *string        `json:"updater_leader"`
	Update        *Update        `json:"update"`
	Servers       []Server       `json:"servers"`
	LatestRelease *LatestRelease `json:"latest_release"`
	ReleaseCheck  *struct {
		OK    bool   `json:"ok"`
		Error string `json:"error"`
	} `json:"release_check"`
	Config struct {
		Env   string `json:"env"`
		Error string `json:"error"`
	} `json:"config"`
	Policy struct {
		Holds []Hold `json:"holds"`
	} `json:"policy"`
	// Next is what the updater decides on this state.
	Next *struct {
		Action string `json:"action"`
		Reason string `json:"reason"`
	} `json:"next"`
}

// Hold is a version the updater must not take (neco hold, or an automatic
// rollback's).
type Hold struct {
	Version string `json:"version"`
	Reason  string `json:"reason"`
	By      string `json:"by"`
}

// Update is status/current with how it ended.
type Update struct {
	ID      int64  `json:"id"`
	Version string `json:"version"`
	Reason  string `json:"reason"`
	Servers []int  `json:"servers"`
	Stop    bool   `json:"stop"`
	// State is running, stopping, completed, aborted or timedout.
	State       string `json:"state"`
	Message     string `json:"message"`
	BarrierStep *int   `json:"barrier_step"`
	// StartedAt is when the updater leader started it, on its clock.
	StartedAt time.Time `json:"started_at"`
	// Canaries run the update first (config canary).
	Canaries []int `json:"canaries"`
}

// Act is an operator's (or the updater's own) act on an update, as
// history keeps it: a rollback, an abort, a recover.
type Act struct {
	Act    string `json:"act"`
	By     string `json:"by"`
	Detail string `json:"detail"`
}

// Server is one boot server's line.
type Server struct {
	LRN      int     `json:"lrn"`
	Hostname *string `json:"hostname"`
	InUpdate bool    `json:"in_update"`
	Report   *struct {
		Version  string   `json:"version"`
		Step     int      `json:"step"`
		StepName string   `json:"step_name"`
		Cond     string   `json:"cond"`
		Message  string   `json:"message"`
		Notes    []string `json:"notes"`
	} `json:"report"`
	Installed struct {
		Debs   map[string]string `json:"debs"`
		Images map[string]string `json:"images"`
	} `json:"installed"`
}

// LatestRelease is info/release.
type LatestRelease struct {
	Version    string `json:"version"`
	Prerelease bool   `json:"prerelease"`
}

// Ended reports whether the update to version ended (in any state but
// running or stopping).
func (st Status) Ended(version string) bool {
	u := st.Update
	return u != nil && u.Version == version && u.State != "running" && u.State != "stopping"
}

// Summary is one line for an error message.
func (st Status) Summary() string {
	var b strings.Builder
	if st.Update == nil {
		b.WriteString("no update")
	} else {
		u := st.Update
		fmt.Fprintf(&b, "update %d to %s %s (stop %v) servers %v", u.ID, u.Version, u.State, u.Stop, u.Servers)
		if u.Message != "" {
			fmt.Fprintf(&b, ": %q", u.Message)
		}
	}
	for _, s := range st.Servers {
		if r := s.Report; r != nil {
			fmt.Fprintf(&b, "; %d: step %d %q %s %q", s.LRN, r.Step, r.StepName, r.Cond, r.Message)
		}
	}
	if st.LatestRelease != nil {
		fmt.Fprintf(&b, "; latest release %s", st.LatestRelease.Version)
	}
	if c := st.ReleaseCheck; c != nil && !c.OK {
		fmt.Fprintf(&b, "; release check failing: %s", c.Error)
	}
	if n := st.Next; n != nil {
		fmt.Fprintf(&b, "; next: %s (%s)", n.Action, n.Reason)
	}
	return b.String()
}

// Status runs `neco status --json` in srv.
func (s *Site) Status(ctx context.Context, srv *harness.Server) (Status, error) {
	res, err := s.Neco(ctx, srv, "status", "--json")
	if err != nil {
		return Status{}, err
	}
	var st Status
	if err := json.Unmarshal([]byte(res.Stdout), &st); err != nil {
		return Status{}, fmt.Errorf("site: decode neco status --json: %w\n%s", err, res.Stdout)
	}
	return st, nil
}

// WaitFor reads the status in srv every second until cond holds or
// timeout passes; a read that fails (etcd restarting) is retried. The
// error names what was awaited and the last status seen.
func (s *Site) WaitFor(ctx context.Context, srv *harness.Server, timeout time.Duration, what string, cond func(Status) bool) (Status, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last Status
	var lastErr error
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		st, err := s.Status(ctx, srv)
		if err == nil && cond(st) {
			return st, nil
		}
		if err == nil {
			last = st
		}
		lastErr = err
		select {
		case <-ctx.Done():
			return last, fmt.Errorf("site: %v waiting for %s; last status: %s (last read error: %v)", timeout, what, last.Summary(), lastErr)
		case <-tick.C:
		}
	}
}

// HistoryEntry is one ended update of `neco history --json`.
type HistoryEntry struct {
	ID      int64  `json:"id"`
	Version string `json:"version"`
	Reason  string `json:"reason"`
	Result  string `json:"result"`
	Servers []int  `json:"servers"`
	Message string `json:"message"`
	Acts    []Act  `json:"acts"`
}

// History runs `neco history --json --limit 0` in srv, newest first.
func (s *Site) History(ctx context.Context, srv *harness.Server) ([]HistoryEntry, error) {
	res, err := s.Neco(ctx, srv, "history", "--json", "--limit", "0")
	if err != nil {
		return nil, err
	}
	var h struct {
		History []HistoryEntry `json:"history"`
	}
	if err := json.Unmarshal([]byte(res.Stdout), &h); err != nil {
		return nil, fmt.Errorf("site: decode neco history --json: %w\n%s", err, res.Stdout)
	}
	return h.History, nil
}
