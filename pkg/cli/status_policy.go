package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/necoship/neco/pkg/config"
	"github.com/necoship/neco/pkg/decide"
	"github.com/necoship/neco/pkg/model"
)

// statusPolicyJSON is the operator's policy: holds (newest version
// first), the pin and a pending rollback request.
type statusPolicyJSON struct {
	Holds    []holdJSON          `json:"holds"`
	Pin      *holdJSON           `json:"pin"`
	Rollback *statusRollbackJSON `json:"rollback_request"`
}

type statusRollbackJSON struct {
	Version string    `json:"version"`
	Tag     string    `json:"tag"`
	From    string    `json:"from"`
	Force   bool      `json:"force"`
	By      string    `json:"by"`
	At      time.Time `json:"at"`
}

// statusNextJSON is what the updater decides on this snapshot: the same
// pure decision (decide.NextAction) over the stored state, with the latest
// release the updater recorded.
type statusNextJSON struct {
	Action string `json:"action"`
	Reason string `json:"reason"`
	// Until is when a release window opens, a release is old enough or
	// a rolling soak ends.
	Until *time.Time `json:"until"`
}

func statusPolicy(snap model.Snapshot) statusPolicyJSON {
	hl := holdList(snap)
	out := statusPolicyJSON{Holds: hl.Holds, Pin: hl.Pin}
	if r := snap.Rollback; r != nil {
		out.Rollback = &statusRollbackJSON{Version: r.Version.String(), Tag: r.Tag, From: r.From.String(),
			Force: r.Force, By: r.By, At: r.At.UTC()}
	}
	return out
}

// statusNext runs the updater's decision on snap; nil when the cluster
// config does not parse (the updater refuses to decide then, and the
// config line says why).
func statusNext(snap model.Snapshot, now time.Time) *statusNextJSON {
	cfg, _, err := config.ParseCluster(snap.Config)
	if err != nil {
		return nil
	}
	var latest *model.Release
	if r := snap.Seen; r != nil {
		latest = &model.Release{Tag: r.Tag, Version: r.Version, Prerelease: r.Prerelease, PublishedAt: r.PublishedAt}
	}
	act := decide.NextAction(decide.UpdaterInput{Snapshot: snap, Config: cfg, Latest: latest, Now: now})
	out := &statusNextJSON{Action: string(act.Kind), Reason: act.Reason}
	if !act.Until.IsZero() {
		t := act.Until.UTC()
		out.Until = &t
	}
	return out
}

func writePolicyText(b *strings.Builder, s statusJSON) {
	if n := s.Next; n != nil {
		field(b, "updater next", oneLine(n.Reason))
	}
	p := s.Policy
	if r := p.Rollback; r != nil {
		field(b, "rollback", fmt.Sprintf("to %s (from %s) requested by %s at %s; the updater leader starts it",
			r.Version, r.From, valueCell(r.By), formatTime(r.At)))
	}
	if pin := p.Pin; pin != nil {
		field(b, "pinned to", fmt.Sprintf("%s by %s%s", pin.Version, valueCell(pin.By), oneLine(because(pin.Reason))))
	}
	for _, h := range p.Holds {
		field(b, "held", fmt.Sprintf("%s by %s%s", h.Version, valueCell(h.By), oneLine(because(h.Reason))))
	}
}
