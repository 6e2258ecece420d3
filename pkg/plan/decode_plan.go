package plan

import "go.yaml.in/yaml/v3"

// This file maps plan.yaml's fields onto the Go types and applies defaults.
// Whether values are valid is Validate's business; here only what cannot be
// represented (a list where a string goes, an unparsable version or
// duration, max-unavailable on a strategy that has no turns) is an error.

func (d *decoder) plan(root *yaml.Node) Plan {
	f := d.fields("", root, "version", "neco", "debs", "images", "services", "once")
	var p Plan
	if s := d.str("version", f["version"]); s != "" {
		v, err := parseVersion(s)
		d.errs.add("version", err)
		p.Version = v
	}
	if s := d.str("neco", f["neco"]); s != "" {
		r, err := ParseRequirement(s)
		if err != nil {
			d.errs.add("neco", err)
		} else {
			p.Neco = &r
		}
	}
	for i, n := range d.items("debs", f["debs"]) {
		p.Debs = append(p.Debs, d.deb(indexPath("debs", i), n))
	}
	for i, n := range d.items("images", f["images"]) {
		p.Images = append(p.Images, d.image(indexPath("images", i), n))
	}
	for i, n := range d.items("services", f["services"]) {
		p.Services = append(p.Services, d.service(indexPath("services", i), n))
	}
	for i, n := range d.items("once", f["once"]) {
		p.Once = append(p.Once, d.once(indexPath("once", i), n))
	}
	return p
}

func (d *decoder) deb(path string, n *yaml.Node) Deb {
	f := d.fields(path, n, "name", "repo", "tag", "asset", "sha256")
	return Deb{
		Name:   d.str(fieldPath(path, "name"), f["name"]),
		Repo:   d.str(fieldPath(path, "repo"), f["repo"]),
		Tag:    d.str(fieldPath(path, "tag"), f["tag"]),
		Asset:  d.str(fieldPath(path, "asset"), f["asset"]),
		SHA256: d.str(fieldPath(path, "sha256"), f["sha256"]),
	}
}

func (d *decoder) image(path string, n *yaml.Node) Image {
	f := d.fields(path, n, "name", "ref")
	return Image{
		Name: d.str(fieldPath(path, "name"), f["name"]),
		Ref:  d.str(fieldPath(path, "ref"), f["ref"]),
	}
}

func (d *decoder) service(path string, n *yaml.Node) Service {
	f := d.fields(path, n, "unit", "strategy", "max-unavailable", "soak", "images", "health", "timeout")
	s := Service{
		Unit:     d.str(fieldPath(path, "unit"), f["unit"]),
		Strategy: Strategy(d.str(fieldPath(path, "strategy"), f["strategy"])),
		Images:   d.strs(fieldPath(path, "images"), f["images"]),
		Timeout:  d.duration(fieldPath(path, "timeout"), f["timeout"], Duration{DefaultServiceTimeout}),
	}
	if h := f["health"]; d.resolve(h) != nil {
		health := d.health(fieldPath(path, "health"), h)
		s.Health = &health
	}
	maxPath := fieldPath(path, "max-unavailable")
	switch set := d.resolve(f["max-unavailable"]) != nil; {
	case s.Strategy == StrategyRolling:
		s.MaxUnavailable = d.integer(maxPath, f["max-unavailable"], DefaultMaxUnavailable)
	case set && s.Strategy.Known():
		// Zero is the only value a non-rolling service can hold, so an
		// explicit "max-unavailable: 0" would otherwise pass unnoticed.
		d.errs.add(maxPath, errRollingOnly)
	case set:
		// Unknown strategy: Validate reports it; keep the value as written.
		s.MaxUnavailable = d.integer(maxPath, f["max-unavailable"], 0)
	}
	if f["soak"] != nil {
		s.Soak = d.duration(fieldPath(path, "soak"), f["soak"], Duration{})
	}
	return s
}

func (d *decoder) health(path string, n *yaml.Node) Health {
	f := d.fields(path, n, "http", "exec", "timeout")
	return Health{
		HTTP:    d.str(fieldPath(path, "http"), f["http"]),
		Exec:    d.strs(fieldPath(path, "exec"), f["exec"]),
		Timeout: d.duration(fieldPath(path, "timeout"), f["timeout"], Duration{DefaultHealthTimeout}),
	}
}

func (d *decoder) once(path string, n *yaml.Node) OnceStep {
	f := d.fields(path, n, "name", "exec", "irreversible", "timeout")
	return OnceStep{
		Name:         d.str(fieldPath(path, "name"), f["name"]),
		Exec:         d.strs(fieldPath(path, "exec"), f["exec"]),
		Irreversible: d.boolean(fieldPath(path, "irreversible"), f["irreversible"]),
		Timeout:      d.duration(fieldPath(path, "timeout"), f["timeout"], Duration{DefaultOnceTimeout}),
	}
}
