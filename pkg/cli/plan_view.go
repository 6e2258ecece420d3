package cli

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/necoship/neco/pkg/decide"
	"github.com/necoship/neco/pkg/plan"
)

// planJSON is the documented `neco plan --json` schema (docs/cli.md).
// Fields are only ever added.
type planJSON struct {
	Target  planTargetJSON `json:"target"`
	Reason  string         `json:"reason"`
	Servers []int          `json:"servers"`
	// Canaries run the steps before the once-steps first; the others
	// start after them and CanarySoak. Empty: no canary phase.
	Canaries   []int  `json:"canaries"`
	CanarySoak string `json:"canary_soak,omitempty"`
	// WindowPauses: once started, the update pauses between steps outside
	// release-time (release-window-scope whole).
	WindowPauses bool `json:"window_pauses"`
	// Ready is true when nothing blocks: the updater (or, for a
	// requested rollback, its leader) starts it at its next decision.
	Ready    bool              `json:"ready"`
	Blockers []planBlockerJSON `json:"blockers"`
	Neco     string            `json:"neco,omitempty"`
	Changes  []planServerJSON  `json:"changes"`
	Steps    []planStepJSON    `json:"steps"`
}

type planTargetJSON struct {
	Version     string    `json:"version"`
	Tag         string    `json:"tag"`
	Prerelease  bool      `json:"prerelease"`
	PublishedAt time.Time `json:"published_at"`
}

type planBlockerJSON struct {
	Kind   string     `json:"kind"`
	Reason string     `json:"reason"`
	Until  *time.Time `json:"until"`
}

type planServerJSON struct {
	LRN      int               `json:"lrn"`
	Packages []planPackageJSON `json:"packages"`
	Images   []planImageJSON   `json:"images"`
}

type planPackageJSON struct {
	Name   string `json:"name"`
	From   string `json:"from"` // "" when the server recorded none
	To     string `json:"to"`   // "" when only the download tells
	Change string `json:"change"`
	Source string `json:"source"`
}

type planImageJSON struct {
	Name   string `json:"name"`
	From   string `json:"from"` // recorded digest, "" when none
	Ref    string `json:"ref"`
	Change string `json:"change"`
}

type planStepJSON struct {
	Number   int    `json:"number"`
	Kind     string `json:"kind"`
	Name     string `json:"name"`
	Strategy string `json:"strategy,omitempty"`
	// Servers run the step, in turn order; empty for a once-step (the
	// worker leader runs it).
	Servers        []int  `json:"servers"`
	MaxUnavailable int    `json:"max_unavailable,omitempty"`
	Soak           string `json:"soak,omitempty"`
	Irreversible   bool   `json:"irreversible,omitempty"`
	// Canary marks a step of the canary phase.
	Canary bool `json:"canary,omitempty"`
}

func toPlanJSON(d decide.DryRun, p plan.Plan) planJSON {
	out := planJSON{
		Target: planTargetJSON{Version: d.Target.Version.String(), Tag: d.Target.Tag,
			Prerelease: d.Target.Prerelease, PublishedAt: d.Target.PublishedAt.UTC()},
		Reason: string(d.Reason), Servers: nonNil(d.Servers), Canaries: nonNil(d.Canaries), Ready: len(d.Blockers) == 0,
		WindowPauses: d.WindowPauses,
		Blockers:     []planBlockerJSON{}, Changes: []planServerJSON{}, Steps: []planStepJSON{},
	}
	if p.Neco != nil {
		out.Neco = p.Neco.String()
	}
	if len(d.Canaries) > 0 {
		out.CanarySoak = d.CanarySoak.String()
	}
	for _, b := range d.Blockers {
		j := planBlockerJSON{Kind: string(b.Kind), Reason: b.Reason}
		if !b.Until.IsZero() {
			t := b.Until.UTC()
			j.Until = &t
		}
		out.Blockers = append(out.Blockers, j)
	}
	for _, c := range d.Changes {
		s := planServerJSON{LRN: c.LRN, Packages: []planPackageJSON{}, Images: []planImageJSON{}}
		for _, pc := range c.Packages {
			s.Packages = append(s.Packages, planPackageJSON{Name: pc.Name, From: pc.From.String(), To: pc.To.String(),
				Change: string(pc.Change), Source: pc.Source})
		}
		for _, ic := range c.Images {
			s.Images = append(s.Images, planImageJSON{Name: ic.Name, From: ic.From, Ref: ic.Ref, Change: string(ic.Change)})
		}
		out.Changes = append(out.Changes, s)
	}
	for _, st := range d.Steps {
		j := planStepJSON{Number: st.Number, Kind: string(st.Kind), Name: st.Name, Strategy: string(st.Strategy),
			Servers: nonNil(st.Servers), MaxUnavailable: st.MaxUnavailable, Irreversible: st.Irreversible, Canary: st.Canary}
		if st.Soak > 0 {
			j.Soak = st.Soak.String()
		}
		out.Steps = append(out.Steps, j)
	}
	return out
}

// upToDate says the site runs p's target already: nothing would change.
func upToDate(p planJSON) bool {
	return slices.ContainsFunc(p.Blockers, func(b planBlockerJSON) bool { return b.Kind == string(decide.BlockUpToDate) })
}

func writePlanText(w io.Writer, p planJSON) error {
	var b strings.Builder
	field(&b, p.Reason, fmt.Sprintf("%s (%s) on servers %s", p.Target.Version, p.Target.Tag, formatServers(p.Servers)))
	if p.Neco != "" {
		field(&b, "needs neco", p.Neco+" (an older worker updates itself first)")
	}
	if len(p.Canaries) > 0 {
		field(&b, "canaries", fmt.Sprintf("%s first; the others start %s after them (canary-soak)",
			formatServers(p.Canaries), p.CanarySoak))
	}
	if p.WindowPauses {
		field(&b, "release window", "once started it pauses between steps outside release-time (release-window-scope whole)")
	}
	if p.Ready {
		field(&b, "blocked by", "nothing: it starts at the updater's next decision")
	}
	for _, bl := range p.Blockers {
		until := ""
		if bl.Until != nil {
			until = " (until " + formatTime(*bl.Until) + ")"
		}
		field(&b, "blocked by", fmt.Sprintf("%s: %s%s", bl.Kind, oneLine(bl.Reason), until))
	}
	b.WriteString("\nchanges, by server:\n")
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  SERVERS\tPACKAGE/IMAGE\tFROM\tTO\tCHANGE\tSOURCE")
	for _, g := range groupChanges(p.Changes) {
		for _, row := range g.rows {
			fmt.Fprintf(tw, "  %s\t%s\n", formatServers(g.lrns), row)
		}
	}
	tw.Flush()
	b.WriteString("\nsteps, in order on every server:\n")
	tw = tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  STEP\tNAME\tWHO AND HOW")
	for _, st := range p.Steps {
		how := stepHow(st)
		if st.Canary {
			how = "canary phase: " + how
		}
		fmt.Fprintf(tw, "  %d\t%s\t%s\n", st.Number, st.Name, how)
	}
	tw.Flush()
	_, err := io.WriteString(w, trimLineEnds(b.String()))
	return err
}

// changeGroup is the servers that would see the same changes: a site of
// many servers prints each set once.
type changeGroup struct {
	lrns []int
	rows []string
}

func groupChanges(cs []planServerJSON) []changeGroup {
	var groups []changeGroup
	index := map[string]int{}
	for _, c := range cs {
		var rows []string
		for _, p := range c.Packages {
			rows = append(rows, fmt.Sprintf("%s\t%s\t%s\t%s\t%s", p.Name, orDash(p.From), orDash(p.To), p.Change, p.Source))
		}
		for _, i := range c.Images {
			rows = append(rows, fmt.Sprintf("image %s\t%s\t%s\t%s\t%s", i.Name, orDash(shortDigest(i.From)),
				orDash(shortDigest(imageDigest(i.Ref))), i.Change, i.Ref))
		}
		key := strings.Join(rows, "\n")
		if g, ok := index[key]; ok {
			groups[g].lrns = append(groups[g].lrns, c.LRN)
			continue
		}
		index[key] = len(groups)
		groups = append(groups, changeGroup{lrns: []int{c.LRN}, rows: rows})
	}
	return groups
}

func imageDigest(ref string) string {
	return plan.Image{Ref: ref}.Digest()
}

// shortDigest keeps "sha256:" and 12 hex digits, as docker does.
func shortDigest(d string) string {
	if algo, hex, ok := strings.Cut(d, ":"); ok && len(hex) > 12 {
		return algo + ":" + hex[:12]
	}
	return d
}

// stepHow says which servers run a step and how they take turns.
func stepHow(st planStepJSON) string {
	servers := formatServers(st.Servers)
	switch {
	case st.Kind == string(decide.StepOnce):
		how := "once, on the worker leader"
		if st.Irreversible {
			how += "; irreversible: a rollback past it needs --force"
		}
		return how
	case st.Strategy == string(plan.StrategyRolling):
		how := fmt.Sprintf("rolling in LRN order %s, %d at a time", strings.ReplaceAll(servers, ",", " > "), st.MaxUnavailable)
		if st.Soak != "" {
			how += ", each soaking " + st.Soak + " before the next"
		}
		return how
	case st.Kind == string(decide.StepStop):
		return servers + ": all stop; nobody starts before every server stopped"
	case st.Kind == string(decide.StepStart):
		return servers + ": all start"
	}
	return servers + ": each on its own, once the step's barrier opens"
}
