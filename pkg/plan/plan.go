package plan

import (
	"strings"
	"time"

	"github.com/necoship/neco/pkg/model"
)

// DefaultPath is where the site package installs its plan.
const DefaultPath = "/usr/share/neco/plan.yaml"

// Defaults for fields a plan may leave out.
const (
	// DefaultMaxUnavailable is how many servers a rolling restart takes down
	// at once when the plan does not say.
	DefaultMaxUnavailable = 1
	// MaxSoak bounds a rolling step's soak: a longer wait is a separate
	// release, not a pause inside one update.
	MaxSoak               = 24 * time.Hour
	DefaultServiceTimeout = 5 * time.Minute
	DefaultHealthTimeout  = 60 * time.Second
	DefaultOnceTimeout    = 10 * time.Minute
)

// VersionToken is the one template once-step arguments may contain; Argv
// replaces it with the release version. It is a plain token, not
// text/template: a plan cannot run code inside the worker.
const VersionToken = "{{.Version}}"

// Plan is a parsed and validated plan.yaml. The JSON form is what the worker
// stores and compares; the YAML form is what the site package ships.
type Plan struct {
	// Version must equal the version of the package that installed the
	// plan (CheckVersion).
	Version model.Version `json:"version" yaml:"version"`
	// Neco, when set, is the neco version the plan needs; an older worker
	// updates itself from Debs' "neco" entry first.
	Neco     *Requirement `json:"neco,omitempty" yaml:"neco,omitempty"`
	Debs     []Deb        `json:"debs,omitempty" yaml:"debs,omitempty"`
	Images   []Image      `json:"images,omitempty" yaml:"images,omitempty"`
	Services []Service    `json:"services,omitempty" yaml:"services,omitempty"`
	Once     []OnceStep   `json:"once,omitempty" yaml:"once,omitempty"`
}

// NecoDeb is the name of the debs entry the worker updates itself from.
const NecoDeb = "neco"

// Deb is an extra Debian package taken from another repository's release.
type Deb struct {
	// Name is the Debian package name; "neco" is the package the worker
	// updates itself from.
	Name string `json:"name" yaml:"name"`
	// Repo is the GitHub repository, owner/name.
	Repo string `json:"repo" yaml:"repo"`
	// Tag is the release tag and Asset the .deb file attached to it.
	Tag   string `json:"tag" yaml:"tag"`
	Asset string `json:"asset" yaml:"asset"`
	// SHA256 is the asset's digest, 64 lowercase hex digits; the download
	// is refused when it differs.
	SHA256 string `json:"sha256" yaml:"sha256"`
}

// Image is a container image pulled through containerd before any unit
// restarts.
type Image struct {
	Name string `json:"name" yaml:"name"`
	// Ref is pinned by digest: REGISTRY/REPO[:TAG]@sha256:<64 hex>. A tag
	// alone could move between servers pulling it.
	Ref string `json:"ref" yaml:"ref"`
}

// Digest returns the "sha256:<hex>" part of Ref, or "" when it has none.
func (i Image) Digest() string {
	_, digest, ok := strings.Cut(i.Ref, "@")
	if !ok {
		return ""
	}
	return digest
}

// Strategy says how the servers of a site take turns restarting a unit.
type Strategy string

const (
	// StrategyAnytime restarts the unit as soon as a server reaches the step.
	StrategyAnytime Strategy = "anytime"
	// StrategyRolling restarts at most MaxUnavailable servers at a time, in
	// LRN order, each health-checked before the next goes.
	StrategyRolling Strategy = "rolling"
	// StrategyStopAll stops the unit everywhere, waits for every server, then
	// starts it everywhere: two versions never run at once.
	StrategyStopAll Strategy = "stop-all"
)

// Strategies lists every strategy, in the order error messages name them.
func Strategies() []Strategy {
	return []Strategy{StrategyAnytime, StrategyRolling, StrategyStopAll}
}

// Known reports whether s is one of Strategies.
func (s Strategy) Known() bool {
	switch s {
	case StrategyAnytime, StrategyRolling, StrategyStopAll:
		return true
	}
	return false
}

// Service is one systemd unit to restart, in plan order.
type Service struct {
	Unit     string   `json:"unit" yaml:"unit"`
	Strategy Strategy `json:"strategy" yaml:"strategy"`
	// MaxUnavailable is set for StrategyRolling only (default 1) and zero
	// otherwise.
	MaxUnavailable int `json:"max_unavailable,omitempty" yaml:"max-unavailable,omitempty"`
	// Soak is how long a healthy restart must run before the next
	// server's turn (StrategyRolling only; zero: at once).
	Soak Duration `json:"soak,omitzero" yaml:"soak,omitempty"`
	// Images names entries of Plan.Images that must be present before the
	// unit restarts.
	Images []string `json:"images,omitempty" yaml:"images,omitempty"`
	// Health, when set, must pass after the restart for it to count.
	Health *Health `json:"health,omitempty" yaml:"health,omitempty"`
	// Timeout bounds the restart, health check included.
	Timeout Duration `json:"timeout" yaml:"timeout"`
}

// Health is a check that a restarted unit works: exactly one of HTTP (a GET
// that must answer 2xx) or Exec (a command that must exit 0), retried until
// Timeout.
type Health struct {
	HTTP string `json:"http,omitempty" yaml:"http,omitempty"`
	// Exec is run as written: no template is expanded here.
	Exec    []string `json:"exec,omitempty" yaml:"exec,omitempty"`
	Timeout Duration `json:"timeout" yaml:"timeout"`
}

// OnceStep is a command the worker leader runs once per version, after the
// services; contents/<Name> in etcd records that it ran.
type OnceStep struct {
	Name string `json:"name" yaml:"name"`
	// Exec is the argv; use Argv to expand VersionToken.
	Exec []string `json:"exec" yaml:"exec"`
	// Irreversible steps are never retried automatically: a failure aborts
	// the update and waits for an operator.
	Irreversible bool     `json:"irreversible,omitempty" yaml:"irreversible,omitempty"`
	Timeout      Duration `json:"timeout" yaml:"timeout"`
}

// Argv returns Exec with every VersionToken replaced by v. Exec itself is
// left as it is.
func (o OnceStep) Argv(v model.Version) []string {
	argv := make([]string, len(o.Exec))
	for i, arg := range o.Exec {
		argv[i] = strings.ReplaceAll(arg, VersionToken, v.String())
	}
	return argv
}

// Image returns the image called name, if the plan has one.
func (p Plan) Image(name string) (Image, bool) {
	for _, img := range p.Images {
		if img.Name == name {
			return img, true
		}
	}
	return Image{}, false
}

// Deb returns the deb called name, if the plan has one.
func (p Plan) Deb(name string) (Deb, bool) {
	for _, d := range p.Debs {
		if d.Name == name {
			return d, true
		}
	}
	return Deb{}, false
}
