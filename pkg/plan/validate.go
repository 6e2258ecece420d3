package plan

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/necoship/neco/pkg/model"
)

// Bounds of the timeouts. A restart or health check that needs more than an
// hour is stuck, not slow; a once-step may upload a day's worth of content.
const (
	minTimeout        = time.Second
	maxServiceTimeout = time.Hour
	maxHealthTimeout  = 30 * time.Minute
	maxOnceTimeout    = 24 * time.Hour
)

var (
	errRequired    = errors.New("required")
	errRollingOnly = errors.New("only allowed with strategy rolling")
)

// CheckVersion refuses a plan written for another version than the package
// that installed it: a stale plan.yaml left in the package would restart
// the wrong units or pull the wrong images. The error wraps
// ErrVersionMismatch.
func (p Plan) CheckVersion(pkgVersion model.Version) error {
	if p.Version.Equal(pkgVersion) && !p.Version.IsZero() {
		return nil
	}
	return &model.FieldError{Field: "version", Err: versionMismatch{plan: p.Version, pkg: pkgVersion}}
}

type versionMismatch struct{ plan, pkg model.Version }

func (e versionMismatch) Error() string {
	return fmt.Sprintf("plan says %s, package is %s", e.plan, e.pkg)
}

func (e versionMismatch) Is(target error) bool { return target == ErrVersionMismatch }

// Validate reports every invalid field of p, one line per field. Parse
// calls it; call it again on a Plan built in Go or read back from JSON.
func (p Plan) Validate() error {
	var errs fieldErrors
	p.validate(&errs)
	return errs.join()
}

func (p Plan) validate(errs *fieldErrors) {
	if p.Version.IsZero() {
		errs.add("version", errRequired)
	}
	if p.Neco != nil {
		errs.add("neco", p.Neco.validate())
		if _, ok := p.Deb(NecoDeb); !ok {
			errs.add("neco", errors.New(`needs a debs entry named "neco": the package the worker updates itself from`))
		}
	}
	debs := firstSeen{}
	for i, deb := range p.Debs {
		path := indexPath("debs", i)
		deb.validate(path, errs)
		errs.add(fieldPath(path, "name"), debs.check("debs", i, deb.Name))
	}
	images := firstSeen{}
	for i, img := range p.Images {
		path := indexPath("images", i)
		img.validate(path, errs)
		errs.add(fieldPath(path, "name"), images.check("images", i, img.Name))
	}
	units := firstSeen{}
	for i, svc := range p.Services {
		path := indexPath("services", i)
		svc.validate(path, images, errs)
		errs.add(fieldPath(path, "unit"), units.check("services", i, svc.Unit))
	}
	steps := firstSeen{}
	for i, step := range p.Once {
		path := indexPath("once", i)
		step.validate(path, errs)
		errs.add(fieldPath(path, "name"), steps.check("once", i, step.Name))
	}
}

// firstSeen remembers the index at which each name first appeared in a
// list, to point a repeat at the original.
type firstSeen map[string]int

func (f firstSeen) check(list string, i int, name string) error {
	if name == "" {
		return nil // reported as required
	}
	if j, dup := f[name]; dup {
		return fmt.Errorf("duplicate %q (first at %s)", name, indexPath(list, j))
	}
	f[name] = i
	return nil
}

func (d Deb) validate(path string, errs *fieldErrors) {
	errs.add(fieldPath(path, "name"), required(d.Name, checkDebName))
	errs.add(fieldPath(path, "repo"), required(d.Repo, checkRepo))
	errs.add(fieldPath(path, "tag"), required(d.Tag, checkTag))
	errs.add(fieldPath(path, "asset"), required(d.Asset, checkAsset))
	errs.add(fieldPath(path, "sha256"), required(d.SHA256, checkSHA256))
}

func (i Image) validate(path string, errs *fieldErrors) {
	errs.add(fieldPath(path, "name"), required(i.Name, checkImageName))
	errs.add(fieldPath(path, "ref"), required(i.Ref, checkImageRef))
}

// validate checks s; images holds the names of the plan's images.
func (s Service) validate(path string, images firstSeen, errs *fieldErrors) {
	errs.add(fieldPath(path, "unit"), required(s.Unit, checkUnit))
	errs.add(fieldPath(path, "strategy"), checkStrategy(s.Strategy))
	switch {
	case s.Strategy == StrategyRolling && s.MaxUnavailable < 1:
		errs.add(fieldPath(path, "max-unavailable"), fmt.Errorf("must be >= 1, got %d", s.MaxUnavailable))
	case s.Strategy != StrategyRolling && s.Strategy.Known() && s.MaxUnavailable != 0:
		errs.add(fieldPath(path, "max-unavailable"), errRollingOnly)
	}
	switch {
	case s.Soak.Duration < 0 || s.Soak.Duration > MaxSoak:
		errs.add(fieldPath(path, "soak"), fmt.Errorf("must be 0s to %s, got %s", MaxSoak, s.Soak.Duration))
	case s.Strategy != StrategyRolling && s.Strategy.Known() && s.Soak.Duration != 0:
		errs.add(fieldPath(path, "soak"), errRollingOnly)
	}
	listed := firstSeen{}
	for j, name := range s.Images {
		imgPath := indexPath(fieldPath(path, "images"), j)
		if _, ok := images[name]; !ok {
			errs.add(imgPath, fmt.Errorf("unknown image %q; name one from images", name))
			continue
		}
		errs.add(imgPath, listed.check(fieldPath(path, "images"), j, name))
	}
	if s.Health != nil {
		s.Health.validate(fieldPath(path, "health"), errs)
	}
	errs.add(fieldPath(path, "timeout"), checkRange(s.Timeout, minTimeout, maxServiceTimeout))
}

func checkStrategy(s Strategy) error {
	names := make([]string, 0, 3)
	for _, known := range Strategies() {
		names = append(names, string(known))
	}
	want := strings.Join(names, ", ")
	switch {
	case s == "":
		return fmt.Errorf("required; want %s", want)
	case !s.Known():
		return fmt.Errorf("unknown %q; want %s", string(s), want)
	}
	return nil
}

func (h Health) validate(path string, errs *fieldErrors) {
	switch hasHTTP, hasExec := h.HTTP != "", len(h.Exec) > 0; {
	case hasHTTP && hasExec:
		errs.add(path, errors.New("want exactly one of http or exec, got both"))
	case !hasHTTP && !hasExec:
		errs.add(path, errors.New("want exactly one of http or exec, got neither"))
	case hasHTTP:
		errs.add(fieldPath(path, "http"), checkHTTPURL(h.HTTP))
	default:
		checkArgv(fieldPath(path, "exec"), h.Exec, false, errs)
	}
	errs.add(fieldPath(path, "timeout"), checkRange(h.Timeout, minTimeout, maxHealthTimeout))
}

func (o OnceStep) validate(path string, errs *fieldErrors) {
	errs.add(fieldPath(path, "name"), required(o.Name, checkOnceName))
	checkArgv(fieldPath(path, "exec"), o.Exec, true, errs)
	errs.add(fieldPath(path, "timeout"), checkRange(o.Timeout, minTimeout, maxOnceTimeout))
}

// required reports an empty value, and otherwise what check says about it.
func required(v string, check func(string) error) error {
	if v == "" {
		return errRequired
	}
	return check(v)
}
