package cli

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/necoship/neco/pkg/config"
	"github.com/necoship/neco/pkg/decide"
	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/releases"
)

// statusJSON is the documented `neco status --json` schema (docs/cli.md).
// Fields are only ever added. The text output is rendered from it too, so
// both always say the same.
type statusJSON struct {
	Revision      int64                `json:"revision"`
	Now           time.Time            `json:"now"`
	UpdaterLeader *string              `json:"updater_leader"`
	Update        *statusUpdateJSON    `json:"update"`
	Servers       []statusServerJSON   `json:"servers"`
	LatestRelease *statusReleaseJSON   `json:"latest_release"`
	Candidate     *statusCandidateJSON `json:"candidate"`
	ReleaseCheck  *statusCheckJSON     `json:"release_check"`
	// AlertGate is the alert gate's last state; nil when none was
	// recorded (no gate-prometheus-url, or no answer yet).
	AlertGate   *statusGateJSON  `json:"alert_gate"`
	Config      statusConfigJSON `json:"config"`
	InvalidKeys []invalidKeyJSON `json:"invalid_keys"`
	// LeaselessElectionKeys are election keys without a lease, which no
	// candidate wrote and every candidate ignores; absent when none.
	LeaselessElectionKeys []string `json:"leaseless_election_keys,omitempty"`
	// Policy and Next explain why nothing moves when nothing does.
	Policy statusPolicyJSON `json:"policy"`
	// Next is nil when the cluster config does not parse.
	Next *statusNextJSON `json:"next"`
}

type statusUpdateJSON struct {
	ID      int64  `json:"id"`
	Version string `json:"version"`
	Tag     string `json:"tag"`
	Reason  string `json:"reason"`
	Servers []int  `json:"servers"`
	Stop    bool   `json:"stop"`
	// State is running, stopping, completed, aborted or timedout.
	State      string     `json:"state"`
	StartedAt  time.Time  `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at"`
	// ElapsedSeconds runs until now while the update has not ended.
	ElapsedSeconds int64  `json:"elapsed_seconds"`
	Message        string `json:"message"`
	// BarrierStep is nil when no barrier of this update was written.
	BarrierStep *int `json:"barrier_step"`
	// Acts are what operators forced on the update, oldest first.
	Acts []actJSON `json:"acts"`
	// Canaries run the update first (config canary); empty: none.
	Canaries []int `json:"canaries"`
	// Phase is canary while only the canaries may run steps, all after.
	Phase string `json:"phase"`
	// Paused is set while neco update pause holds the update; the act
	// (who, when, why) is the last pause in Acts.
	Paused bool `json:"paused"`
}

type statusServerJSON struct {
	LRN int `json:"lrn"`
	// Hostname is nil when the server is not registered (it left, or only
	// its worker reports exist).
	Hostname *string `json:"hostname"`
	InUpdate bool    `json:"in_update"`
	// Report is nil unless the worker reported for the current update.
	Report    *statusReportJSON `json:"report"`
	Installed installedJSON     `json:"installed"`
}

type statusReportJSON struct {
	Version   string    `json:"version"`
	Step      int       `json:"step"`
	StepName  string    `json:"step_name"`
	Cond      string    `json:"cond"`
	Message   string    `json:"message"`
	UpdatedAt time.Time `json:"updated_at"`
	// Notes are what the worker did beyond the plan in this update
	// (model.WorkerStatus.Notes).
	Notes []string `json:"notes,omitempty"`
}

type installedJSON struct {
	Debs   map[string]string `json:"debs"`
	Images map[string]string `json:"images"`
}

type statusReleaseJSON struct {
	Version     string    `json:"version"`
	Tag         string    `json:"tag"`
	Prerelease  bool      `json:"prerelease"`
	PublishedAt time.Time `json:"published_at"`
}

type statusCandidateJSON struct {
	Version  string `json:"version"`
	Tag      string `json:"tag"`
	Approved bool   `json:"approved"`
	// Since is when it began to wait; ApprovedBy and ApprovedAt who
	// approved it and when. Absent when not recorded.
	Since      *time.Time `json:"since,omitempty"`
	ApprovedBy string     `json:"approved_by,omitempty"`
	ApprovedAt *time.Time `json:"approved_at,omitempty"`
}

type statusCheckJSON struct {
	OK    bool      `json:"ok"`
	Error string    `json:"error"`
	Since time.Time `json:"since"`
}

type statusGateJSON struct {
	Open   bool      `json:"open"`
	Firing []string  `json:"firing"`
	Error  string    `json:"error"`
	Since  time.Time `json:"since"`
}

type statusConfigJSON struct {
	Env string `json:"env"`
	// Site is the site's short name (config site); "" when unnamed.
	Site     string `json:"site"`
	Approval string `json:"approval"`
	// ReleaseTime is "" when updates may start at any time.
	ReleaseTime     string `json:"release_time"`
	ReleaseTimezone string `json:"release_timezone"`
	// ReleaseWindowScope is start (the window bounds when an update may
	// start) or whole (a running update pauses outside it too).
	ReleaseWindowScope string `json:"release_window_scope"`
	// Error is "" when the configuration is valid; otherwise the fields
	// above are the raw stored values (or defaults).
	Error string `json:"error"`
}

// The states of an update that are not a model.Result.
const (
	stateRunning  = "running"
	stateStopping = "stopping"
)

// updateState is how the current update stands: "" when there is none,
// its result once recorded, stopping while stop is set but the end is not
// recorded yet (abort requested), else running.
func updateState(snap model.Snapshot) string {
	switch {
	case snap.Current == nil:
		return ""
	case snap.Finished != nil:
		return string(snap.Finished.Result)
	case snap.Current.Stop:
		return stateStopping
	}
	return stateRunning
}

// statusInput is everything one status shows, read from etcd.
type statusInput struct {
	snap model.Snapshot
	// leader is "" when no updater campaigns.
	leader    string
	installed map[int]model.Installed
	// invalid are install keys that did not decode.
	invalid []model.InvalidKey
	// leaseless are election keys without a lease.
	leaseless []string
	now       time.Time
}

func buildStatus(in statusInput) statusJSON {
	snap := in.snap
	out := statusJSON{
		Revision:              snap.Revision,
		Now:                   in.now.UTC(),
		Update:                toStatusUpdate(snap, in.now),
		Servers:               statusServers(in),
		Config:                statusConfig(snap.Config),
		InvalidKeys:           toInvalidKeysJSON(slices.Concat(snap.Invalid, in.invalid)),
		LeaselessElectionKeys: in.leaseless,
		Policy:                statusPolicy(snap),
		Next:                  statusNext(snap, in.now),
	}
	if in.leader != "" {
		out.UpdaterLeader = &in.leader
	}
	if r := snap.Seen; r != nil {
		out.LatestRelease = &statusReleaseJSON{Version: r.Version.String(), Tag: r.Tag, Prerelease: r.Prerelease,
			PublishedAt: r.PublishedAt.UTC()}
	}
	if c := snap.Candidate; c != nil {
		out.Candidate = &statusCandidateJSON{Version: c.Version.String(), Tag: c.Tag, Approved: c.Approved,
			Since: utcOrNil(c.Since), ApprovedBy: c.ApprovedBy, ApprovedAt: utcOrNil(c.ApprovedAt)}
	}
	if c := snap.Check; c != nil {
		out.ReleaseCheck = &statusCheckJSON{OK: c.Error == "", Error: c.Error, Since: c.Since.UTC()}
	}
	if g := snap.Gate; g != nil {
		out.AlertGate = &statusGateJSON{Open: g.Open(), Firing: nonNilStrings(g.Firing), Error: g.Error, Since: g.Since.UTC()}
	}
	return out
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func toStatusUpdate(snap model.Snapshot, now time.Time) *statusUpdateJSON {
	u := snap.Current
	if u == nil {
		return nil
	}
	j := &statusUpdateJSON{
		ID: u.ID, Version: u.Version.String(), Tag: u.Tag, Reason: string(u.Reason),
		Servers: nonNil(u.Servers), Stop: u.Stop, State: updateState(snap), StartedAt: u.StartedAt.UTC(),
		Acts: toActsJSON(u.Acts),
	}
	end := now
	if f := snap.Finished; f != nil {
		t := f.FinishedAt.UTC()
		j.FinishedAt, j.Message, end = &t, f.Message, f.FinishedAt
	}
	j.ElapsedSeconds = elapsedSeconds(u.StartedAt, end)
	if b := snap.Barrier; b != nil && b.ID == u.ID {
		step := b.Step
		j.BarrierStep = &step
	}
	j.Canaries, j.Phase, j.Paused = nonNil(u.Canaries), phaseAll, u.Paused
	if decide.InCanaryPhase(snap) {
		j.Phase = phaseCanary
	}
	return j
}

// The phases of an update in status.
const (
	phaseCanary = "canary"
	phaseAll    = "all"
)

// serverLRNs lists every server anything speaks of: registered, taking
// part in the current update, or with a worker report. Sorted numerically
// (etcd lists 10 before 2).
func serverLRNs(snap model.Snapshot) []int {
	lrns := slices.Concat(slices.Collect(maps.Keys(snap.Bootservers)), slices.Collect(maps.Keys(snap.Workers)))
	if snap.Current != nil {
		lrns = append(lrns, snap.Current.Servers...)
	}
	slices.Sort(lrns)
	return slices.Compact(lrns)
}

func statusServers(in statusInput) []statusServerJSON {
	snap := in.snap
	lrns := serverLRNs(snap)
	out := make([]statusServerJSON, 0, len(lrns))
	for _, lrn := range lrns {
		s := statusServerJSON{LRN: lrn, Installed: toInstalledJSON(in.installed[lrn])}
		if b, ok := snap.Bootservers[lrn]; ok {
			s.Hostname = &b.Hostname
		}
		if u := snap.Current; u != nil {
			s.InUpdate = slices.Contains(u.Servers, lrn)
			// A report of an earlier update says nothing about this one.
			if w, ok := snap.Workers[lrn]; ok && w.ID == u.ID {
				s.Report = &statusReportJSON{Version: w.Version.String(), Step: w.Step, StepName: w.StepName,
					Cond: string(w.Cond), Message: w.Message, UpdatedAt: w.UpdatedAt.UTC(), Notes: w.Notes}
			}
		}
		out = append(out, s)
	}
	return out
}

func toInstalledJSON(in model.Installed) installedJSON {
	out := installedJSON{Debs: map[string]string{}, Images: map[string]string{}}
	for name, v := range in.Debs {
		out.Debs[name] = v.String()
	}
	maps.Copy(out.Images, in.Images)
	return out
}

// statusConfig shows the configuration as the updater applies it
// (defaults included); when it does not parse, the updater refuses it, so
// the raw values are shown with the error.
func statusConfig(values map[string]string) statusConfigJSON {
	c, _, err := config.ParseCluster(values)
	if err == nil && c.SigningKeys != "" {
		// The keys' armor is checked by config; whether they are OpenPGP
		// keys only by the release verifier, which refuses every update
		// while they are not.
		if _, verr := releases.NewVerifier(c.SigningKeys); verr != nil {
			err = fmt.Errorf("config/signing-keys: %w", verr)
		}
	}
	if err != nil {
		return statusConfigJSON{
			Env: rawOrDefault(values, "env"), Site: values["site"], Approval: rawOrDefault(values, "approval"),
			ReleaseTime: rawOrDefault(values, "release-time"), ReleaseTimezone: rawOrDefault(values, "release-timezone"),
			ReleaseWindowScope: rawOrDefault(values, "release-window-scope"),
			Error:              oneLine(err.Error()),
		}
	}
	exprs := make([]string, len(c.ReleaseTime))
	for i, s := range c.ReleaseTime {
		exprs[i] = s.String()
	}
	return statusConfigJSON{Env: string(c.Env), Site: c.Site, Approval: string(c.Approval),
		ReleaseTime: strings.Join(exprs, "; "), ReleaseTimezone: c.ReleaseTimezone.String(),
		ReleaseWindowScope: string(c.ReleaseWindowScope)}
}

func rawOrDefault(values map[string]string, name string) string {
	if v := values[name]; v != "" {
		return v
	}
	k, _ := config.LookupKey(name)
	return k.Default
}

func nonNil(lrns []int) []int {
	if lrns == nil {
		return []int{}
	}
	return lrns
}

// utcOrNil is t in UTC, nil when zero (not recorded).
func utcOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

// elapsedSeconds is how long from start to end, in whole seconds.
func elapsedSeconds(start, end time.Time) int64 {
	return int64(max(end.Sub(start), 0).Round(time.Second) / time.Second)
}

// at is s as read, with the times relative to now moved to now: the
// running update's elapsed time and the reports' ages (formatAgo reads
// Now). What etcd held is unchanged: it is the same drawing, later.
func (s statusJSON) at(now time.Time) statusJSON {
	s.Now = now
	if u := s.Update; u != nil && u.FinishedAt == nil {
		c := *u
		c.ElapsedSeconds = elapsedSeconds(c.StartedAt, now)
		s.Update = &c
	}
	return s
}
