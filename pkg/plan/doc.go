// Package plan owns the release plan: /usr/share/neco/plan.yaml, installed
// by every site package, which says what a release needs beyond the package
// itself (extra debs, container images), which systemd units to restart in
// which order and how (strategies), and which steps run once per version on
// one server. Nothing about a site's programs is hard-coded in neco; it is
// all here. The format is documented in docs/plan.md.
//
// The shape follows pkg/config: defaults, then Parse, then Validate, and
// every error names the field path it is about (services[2].strategy), all
// of them at once, one per line. The package is pure: it reads only the
// reader or file it is given and runs nothing; the worker executes a plan.
package plan
