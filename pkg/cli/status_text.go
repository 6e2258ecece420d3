package cli

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/necoship/neco/pkg/config"
	"github.com/necoship/neco/pkg/model"
)

// statusText renders status for a person, the server table fitted to
// width columns (0: not a terminal, nothing cut). It is built whole so
// that a redraw under --watch is written at once.
func statusText(s statusJSON, width int) string {
	var b strings.Builder
	writeUpdateText(&b, s)
	writePolicyText(&b, s)
	b.WriteString("\n")
	writeServersText(&b, s, width)
	writeInstalledText(&b, s)
	b.WriteString("\n")
	writeClusterText(&b, s)
	return trimLineEnds(b.String())
}

// trimLineEnds drops the padding tabwriter leaves after an empty last
// column, so that copied output and the README stay clean.
func trimLineEnds(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n")
}

// field writes one "label: value" line; labels share one width so the
// values line up down the whole output.
func field(b *strings.Builder, label, value string) {
	fmt.Fprintf(b, "%-16s %s\n", label+":", value)
}

func writeUpdateText(b *strings.Builder, s statusJSON) {
	u := s.Update
	if u == nil {
		field(b, "update", "none yet")
		return
	}
	field(b, "update "+strconv.FormatInt(u.ID, 10), fmt.Sprintf("%s (%s), reason %s", u.Version, u.Tag, u.Reason))
	field(b, "state", updateStateText(u))
	field(b, "started", formatTime(u.StartedAt))
	field(b, "servers", formatServers(u.Servers))
	barrier := "none yet"
	if u.BarrierStep != nil {
		barrier = "step " + strconv.Itoa(*u.BarrierStep)
	}
	if u.Phase == phaseCanary {
		barrier += ", canary phase"
	}
	field(b, "barrier", barrier)
	if len(u.Canaries) > 0 {
		field(b, "canaries", canaryText(u))
	}
	field(b, "stop", stopText(u))
	if u.Paused {
		field(b, "paused", pausedText(u))
	}
	for _, a := range u.Acts {
		act := fmt.Sprintf("%s by %s at %s", a.Act, valueCell(a.By), formatTime(a.At))
		if a.Detail != "" {
			act += " (" + oneLine(a.Detail) + ")"
		}
		field(b, "operator", act)
	}
	if u.Message != "" {
		field(b, "message", oneLine(u.Message))
	}
}

func updateStateText(u *statusUpdateJSON) string {
	elapsed := formatDuration(time.Duration(u.ElapsedSeconds) * time.Second)
	switch {
	case u.State == stateRunning:
		return "running for " + elapsed
	case u.State == stateStopping:
		return "stopping for " + elapsed + ": abort requested; the updater records it as aborted"
	case u.FinishedAt != nil:
		return fmt.Sprintf("%s after %s, at %s", u.State, elapsed, formatTime(*u.FinishedAt))
	}
	return u.State
}

func stopText(u *statusUpdateJSON) string {
	switch {
	case !u.Stop:
		return "false"
	case u.State == stateStopping:
		return "true: abort requested"
	}
	return `true: nothing starts until "neco recover"`
}

// writeInstalledText lists what servers recorded as installed, if any did.
// Image digests are cut to 12 hex digits, as container tools show them;
// --json has them whole.
func writeInstalledText(b *strings.Builder, s statusJSON) {
	var rows []string
	for _, srv := range s.Servers {
		in := srv.Installed
		if len(in.Debs) == 0 && len(in.Images) == 0 {
			continue
		}
		rows = append(rows, fmt.Sprintf("  %d\t%s\t%s", srv.LRN, namedList(in.Debs, 0), namedList(in.Images, 12)))
	}
	if len(rows) == 0 {
		return
	}
	b.WriteString("\ninstalled:\n")
	tw := tabwriter.NewWriter(b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  LRN\tDEBS\tIMAGES")
	for _, r := range rows {
		fmt.Fprintln(tw, r)
	}
	tw.Flush()
}

// namedList prints "name value, ..." sorted by name; digestLen > 0 cuts
// "sha256:<hex>" values to that many hex digits.
func namedList(m map[string]string, digestLen int) string {
	parts := make([]string, 0, len(m))
	for _, name := range slices.Sorted(maps.Keys(m)) {
		v := m[name]
		if algo, hex, ok := strings.Cut(v, ":"); ok && digestLen > 0 && len(hex) > digestLen {
			v = algo + ":" + hex[:digestLen]
		}
		parts = append(parts, valueCell(name)+" "+valueCell(v))
	}
	return orDash(strings.Join(parts, ", "))
}

func writeClusterText(b *strings.Builder, s statusJSON) {
	field(b, "latest release", latestText(s.LatestRelease))
	field(b, "candidate", candidateText(s.Candidate))
	field(b, "release check", checkText(s.ReleaseCheck, s.Now))
	if s.AlertGate != nil {
		field(b, "alert gate", gateText(s.AlertGate))
	}
	leader := "none: no neco-updater is leading; nothing advances"
	if s.UpdaterLeader != nil {
		leader = valueCell(*s.UpdaterLeader)
	}
	field(b, "updater leader", leader)
	if len(s.LeaselessElectionKeys) > 0 {
		keys := make([]string, len(s.LeaselessElectionKeys))
		for i, k := range s.LeaselessElectionKeys {
			keys[i] = valueCell(k)
		}
		// Not an invalid key: the value does not matter, the missing lease
		// does. Delete them with etcdctl once it is known who wrote them.
		field(b, "election keys without a lease (ignored)", strings.Join(keys, ", "))
	}
	writeConfigText(b, s.Config)
	if len(s.InvalidKeys) > 0 {
		b.WriteString("invalid keys (ignored by neco; fix or delete them):\n")
		for _, k := range s.InvalidKeys {
			fmt.Fprintf(b, "  %s: %s\n", valueCell(k.Key), oneLine(k.Error))
		}
	}
}

func latestText(r *statusReleaseJSON) string {
	if r == nil {
		return "none seen yet"
	}
	kind := "release"
	if r.Prerelease {
		kind = "pre-release"
	}
	return fmt.Sprintf("%s (%s, %s), published %s", r.Version, r.Tag, kind, formatTime(r.PublishedAt))
}

func candidateText(c *statusCandidateJSON) string {
	switch {
	case c == nil:
		return "none"
	case c.Approved && c.ApprovedBy != "":
		return fmt.Sprintf("%s (%s): approved by %s; starts when the release window allows", c.Version, c.Tag, valueCell(c.ApprovedBy))
	case c.Approved:
		return fmt.Sprintf("%s (%s): approved; starts when the release window allows", c.Version, c.Tag)
	}
	since := ""
	if c.Since != nil {
		since = " (since " + formatTime(*c.Since) + ")"
	}
	return fmt.Sprintf("%s (%s): waiting for: neco update approve %s%s", c.Version, c.Tag, c.Version, since)
}

func checkText(c *statusCheckJSON, now time.Time) string {
	switch {
	case c == nil:
		return "not recorded yet"
	case c.OK:
		return "ok since " + formatTime(c.Since)
	}
	return fmt.Sprintf("FAILING since %s (%s): %s", formatTime(c.Since), formatAgo(now, c.Since), oneLine(c.Error))
}

// gateText says whether the alert gate lets the rollout go, and why not.
func gateText(g *statusGateJSON) string {
	switch {
	case g.Error != "":
		return fmt.Sprintf("HOLDS since %s: no answer from Prometheus: %s", formatTime(g.Since), oneLine(g.Error))
	case len(g.Firing) > 0:
		return fmt.Sprintf("HOLDS since %s: alerts firing: %s", formatTime(g.Since), strings.Join(g.Firing, ", "))
	}
	return "open since " + formatTime(g.Since)
}

func writeConfigText(b *strings.Builder, c statusConfigJSON) {
	env := valueCell(c.Env)
	if c.Env == "test" {
		env += " (never updates automatically)"
	}
	field(b, "env", env)
	if c.Site != "" {
		field(b, "site", valueCell(c.Site))
	}
	if c.Error != "" {
		field(b, "config", "INVALID (the updater does nothing until it is fixed): "+c.Error)
		return
	}
	field(b, "approval", c.Approval)
	window := "any time"
	if c.ReleaseTime != "" {
		window = fmt.Sprintf("%q in %s", c.ReleaseTime, c.ReleaseTimezone)
		if c.ReleaseWindowScope == string(config.WindowScopeWhole) {
			window += "; a running update pauses outside it (release-window-scope whole)"
		}
	}
	field(b, "release window", window)
}

// canaryText says who the canaries are and where the rollout stands.
func canaryText(u *statusUpdateJSON) string {
	c := formatServers(u.Canaries)
	if u.Phase == phaseCanary {
		return c + ": running the update first; the other servers have not started"
	}
	return c + ": done first; the other servers follow"
}

// pausedText says who paused the update, when and why.
func pausedText(u *statusUpdateJSON) string {
	for i := len(u.Acts) - 1; i >= 0; i-- {
		if a := u.Acts[i]; a.Act == string(model.ActPause) {
			t := fmt.Sprintf("by %s at %s", valueCell(a.By), formatTime(a.At))
			if a.Detail != "" {
				t += ": " + oneLine(a.Detail)
			}
			if a.By == model.ByReleaseWindow {
				return t + "; servers start no new step until a release window opens"
			}
			return t + "; servers start no new step until \"neco update resume\""
		}
	}
	return "servers start no new step until \"neco update resume\""
}
