package metrics

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"go.yaml.in/yaml/v3"
)

// The alert rules and the dashboard the Debian package ships
// (docs/operations.md, "Alerts and dashboard"). These tests make renaming
// a series, or a label, break the build instead of silently emptying an
// alert or a panel. promtool checks the rules' behaviour (make test-rules).
const (
	rulesFile     = "../../debian/monitoring/neco.rules.yml"
	dashboardFile = "../../debian/monitoring/neco-dashboard.json"
)

// seriesName finds neco's series in a PromQL expression: every series is
// in the "neco" namespace and named in lower case with underscores, so an
// identifier that starts with "neco_" is one (and "neco-updater", a label
// value, is not). A regexp instead of a PromQL parser: this module does
// not depend on Prometheus's server code.
var seriesName = regexp.MustCompile(`\bneco_[a-z0-9_]+`)

// matcherLabel finds the label names of a selector's matchers, {a="x",b=~"y"}.
var matcherLabel = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)\s*"`)

// family is what a rule can select of one registered series.
type family struct {
	typ    dto.MetricType
	labels map[string]bool
}

// registeredFamilies builds both daemons' registries the way they do,
// records one sample through every method (a vector without children is
// not gathered) and returns every neco series by name.
func registeredFamilies(t *testing.T) map[string]family {
	t.Helper()
	ur := NewRegistry("test")
	u := NewUpdater(ur)
	u.ReleaseCheck(nil)
	u.GitHubResponse(200, 1)
	u.Current("2026.11.23-1", "release-2026.11.23-1", 1, []ServerCond{{0, "running"}})
	u.UpdateFinished("completed", time.Minute)
	u.Leading(true)
	u.NotificationFailed("slack")
	u.WebhookRejected("signature")
	wr := NewRegistry("test")
	w := NewWorker(wr)
	w.StepFinished("prepare", true, time.Second)
	w.Leading(true)

	fams := map[string]family{}
	for _, r := range []*Registry{ur, wr} {
		mfs, err := r.reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, mf := range mfs {
			if !strings.HasPrefix(mf.GetName(), namespace+"_") {
				continue
			}
			f, ok := fams[mf.GetName()]
			if !ok {
				f = family{typ: mf.GetType(), labels: map[string]bool{}}
				fams[mf.GetName()] = f
			}
			for _, m := range mf.GetMetric() {
				for _, l := range m.GetLabel() {
					f.labels[l.GetName()] = true
				}
			}
		}
		// A series registered here but not given a sample above would be
		// missing from fams, and a rule on it reported as unknown.
		for _, name := range describedNames(t, r.reg) {
			if _, ok := fams[name]; strings.HasPrefix(name, namespace+"_") && !ok {
				t.Fatalf("%s is registered but has no sample in registeredFamilies: record one there", name)
			}
		}
	}
	return fams
}

// describedNames returns the names of every series registered in reg,
// children or not, read from each Desc's String (the client library
// exposes no accessor for it).
func describedNames(t *testing.T, reg *prometheus.Registry) []string {
	t.Helper()
	fqName := regexp.MustCompile(`fqName: "([^"]+)"`)
	ch := make(chan *prometheus.Desc)
	go func() { reg.Describe(ch); close(ch) }()
	var names []string
	for d := range ch {
		if m := fqName.FindStringSubmatch(d.String()); m != nil {
			names = append(names, m[1])
		}
	}
	if !slices.Contains(names, namespace+"_build_info") {
		t.Fatalf("no %s_build_info among the described series %v: has prometheus.Desc.String changed?", namespace, names)
	}
	return names
}

// checkExpr returns what is wrong with the neco series expr selects: an
// unknown name, or a matcher on a label the series does not have.
// Histograms are selected through their _bucket (with le), _sum and
// _count series.
func checkExpr(fams map[string]family, expr string) []string {
	var errs []string
	for _, loc := range seriesName.FindAllStringIndex(expr, -1) {
		name := expr[loc[0]:loc[1]]
		f, ok := fams[name]
		if !ok {
			for _, suffix := range []string{"_bucket", "_sum", "_count"} {
				base, cut := strings.CutSuffix(name, suffix)
				if hf, found := fams[base]; cut && found && hf.typ == dto.MetricType_HISTOGRAM {
					f, ok = hf, true
					if suffix == "_bucket" {
						f.labels = map[string]bool{"le": true}
						for l := range hf.labels {
							f.labels[l] = true
						}
					}
				}
			}
		}
		if !ok {
			errs = append(errs, fmt.Sprintf("%s is not a series of pkg/metrics", name))
			continue
		}
		rest := strings.TrimLeft(expr[loc[1]:], " \t\n")
		if !strings.HasPrefix(rest, "{") {
			continue
		}
		end := strings.IndexByte(rest, '}')
		if end < 0 {
			errs = append(errs, fmt.Sprintf("%s: unterminated selector", name))
			continue
		}
		for _, m := range matcherLabel.FindAllStringSubmatch(rest[:end], -1) {
			if !f.labels[m[1]] {
				errs = append(errs, fmt.Sprintf("%s has no label %q", name, m[1]))
			}
		}
	}
	return errs
}

type ruleFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []struct {
			Alert  string `yaml:"alert"`
			Record string `yaml:"record"`
			Expr   string `yaml:"expr"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

func TestRulesUseRegisteredSeries(t *testing.T) {
	fams := registeredFamilies(t)
	data, err := os.ReadFile(rulesFile)
	if err != nil {
		t.Fatal(err)
	}
	var rf ruleFile
	if err := yaml.Unmarshal(data, &rf); err != nil {
		t.Fatalf("%s: %v", rulesFile, err)
	}
	n := 0
	for _, g := range rf.Groups {
		for _, r := range g.Rules {
			n++
			name := r.Alert + r.Record
			if !seriesName.MatchString(r.Expr) {
				t.Errorf("rule %s uses no neco series: %q", name, r.Expr)
			}
			for _, e := range checkExpr(fams, r.Expr) {
				t.Errorf("rule %s: %s", name, e)
			}
		}
	}
	if n == 0 {
		t.Fatalf("%s has no rules", rulesFile)
	}
}

// dashboardExprs returns every query of the dashboard's panels, by panel
// title, and fails on a data source that is not the ${datasource}
// variable: a hard-coded UID exists only in the Grafana it was made in.
func dashboardExprs(t *testing.T) map[string][]string {
	t.Helper()
	data, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	type variable struct {
		Name  string `json:"name"`
		Type  string `json:"type"`
		Query string `json:"query"`
	}
	var dash struct {
		Templating struct {
			List []variable `json:"list"`
		} `json:"templating"`
		Panels []struct {
			ID         int             `json:"id"`
			Type       string          `json:"type"`
			Title      string          `json:"title"`
			Datasource json.RawMessage `json:"datasource"`
			Targets    []struct {
				Datasource json.RawMessage `json:"datasource"`
				Expr       string          `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(data, &dash); err != nil {
		t.Fatalf("%s: %v", dashboardFile, err)
	}
	if !slices.Contains(dash.Templating.List, variable{Name: "datasource", Type: "datasource", Query: "prometheus"}) {
		t.Errorf("%s: no datasource variable of type prometheus", dashboardFile)
	}
	checkSource := func(where string, raw json.RawMessage) {
		var ds struct {
			Type string `json:"type"`
			UID  string `json:"uid"`
		}
		if err := json.Unmarshal(raw, &ds); err != nil || ds.Type != "prometheus" || ds.UID != "${datasource}" {
			t.Errorf("%s: datasource %s, want {\"type\": \"prometheus\", \"uid\": \"${datasource}\"}", where, raw)
		}
	}
	exprs := map[string][]string{}
	ids := map[int]bool{}
	for _, p := range dash.Panels {
		if ids[p.ID] {
			t.Errorf("panel id %d used twice", p.ID)
		}
		ids[p.ID] = true
		if p.Type == "row" {
			continue
		}
		checkSource("panel "+p.Title, p.Datasource)
		if len(p.Targets) == 0 {
			t.Errorf("panel %s has no query", p.Title)
		}
		for _, tg := range p.Targets {
			checkSource("panel "+p.Title, tg.Datasource)
			exprs[p.Title] = append(exprs[p.Title], tg.Expr)
		}
	}
	if len(exprs) == 0 {
		t.Fatalf("%s has no panel with a query", dashboardFile)
	}
	return exprs
}

func TestDashboardUsesRegisteredSeries(t *testing.T) {
	fams := registeredFamilies(t)
	used := map[string]bool{}
	for title, exprs := range dashboardExprs(t) {
		for _, expr := range exprs {
			if !seriesName.MatchString(expr) {
				t.Errorf("panel %s: query uses no neco series: %q", title, expr)
			}
			for _, e := range checkExpr(fams, expr) {
				t.Errorf("panel %s: %s", title, e)
			}
			for _, name := range seriesName.FindAllString(expr, -1) {
				used[name] = true
			}
		}
	}
	// The dashboard is where an SRE sees every series: a new one needs a
	// panel.
	for name, f := range fams {
		seen := used[name]
		if f.typ == dto.MetricType_HISTOGRAM {
			seen = used[name+"_bucket"] || used[name+"_count"] || used[name+"_sum"]
		}
		if !seen {
			t.Errorf("no panel shows %s", name)
		}
	}
}

// grafanaVariables are the dashboard's interval variables, each replaced
// by a duration so that promtool can parse the query.
var grafanaVariables = strings.NewReplacer("$__rate_interval", "5m", "$__interval", "10m", "$__range", "1d")

// TestDashboardQueriesParse has promtool parse every panel query, written
// as a recording rule: a typo in a query would otherwise show only as an
// error in Grafana.
func TestDashboardQueriesParse(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool not found: install the Debian package prometheus (.ci/run does)")
	}
	type rule struct {
		Record string `yaml:"record"`
		Expr   string `yaml:"expr"`
	}
	var rules []rule
	var names []string // "record name: panel title", for the failure message
	for title, exprs := range dashboardExprs(t) {
		for _, expr := range exprs {
			name := fmt.Sprintf("dashboard:query_%d", len(rules))
			names = append(names, name+": panel "+title)
			rules = append(rules, rule{Record: name, Expr: grafanaVariables.Replace(expr)})
		}
	}
	doc := map[string]any{"groups": []any{map[string]any{"name": "dashboard", "rules": rules}}}
	data, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "dashboard.rules.yml")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(promtool, "check", "rules", path).CombinedOutput()
	if err != nil {
		t.Errorf("promtool check rules on the dashboard's queries: %v\n%s\n%s", err, out, strings.Join(names, "\n"))
	}
}
