package plan

import (
	"errors"
	"fmt"
	"strings"

	"github.com/necoship/neco/pkg/model"
)

// Requirement is a constraint on neco's own version, written "OP VERSION"
// with OP one of ">=", ">" or "=" (">= 1.2.0"). The space is optional.
type Requirement struct {
	Op      string
	Version model.Version
}

// requirementOps lists the operators, longest first so that ">=" is not
// read as ">" followed by "=1.2.0".
var requirementOps = []string{">=", ">", "="}

var errRequirementSyntax = errors.New(`want ">= VERSION", "> VERSION" or "= VERSION"`)

// ParseRequirement parses the "OP VERSION" form.
func ParseRequirement(s string) (Requirement, error) {
	q := quoteShort(s)
	rest := strings.TrimSpace(s)
	for _, op := range requirementOps {
		after, ok := strings.CutPrefix(rest, op)
		if !ok {
			continue
		}
		after = strings.TrimSpace(after)
		switch {
		case after == "":
			return Requirement{}, fmt.Errorf("%s: no version; %w", q, errRequirementSyntax)
		case strings.ContainsAny(after[:1], "<>=!"):
			// "==", "=>": an operator neco does not have, not a bad version.
			return Requirement{}, fmt.Errorf("%s: %w", q, errRequirementSyntax)
		}
		v, err := parseVersion(after)
		if err != nil {
			return Requirement{}, fmt.Errorf("%s: %w", q, err)
		}
		return Requirement{Op: op, Version: v}, nil
	}
	return Requirement{}, fmt.Errorf("%s: %w", q, errRequirementSyntax)
}

// parseVersion is model.ParseVersion without echoing a huge input back:
// model quotes the whole string in its error.
func parseVersion(s string) (model.Version, error) {
	if len(s) > model.MaxVersionLen {
		return model.Version{}, fmt.Errorf("%w %s: longer than %d bytes", model.ErrInvalidVersion, quoteShort(s), model.MaxVersionLen)
	}
	return model.ParseVersion(s)
}

// String returns the canonical form, "OP VERSION" with one space.
func (r Requirement) String() string {
	if r.Op == "" && r.Version.IsZero() {
		return ""
	}
	return r.Op + " " + r.Version.String()
}

// Satisfied reports whether v meets r. The zero Version (a neco built
// without a version) meets no requirement: nothing says it is new enough.
func (r Requirement) Satisfied(v model.Version) bool {
	if v.IsZero() {
		return false
	}
	c := v.Compare(r.Version)
	switch r.Op {
	case ">=":
		return c >= 0
	case ">":
		return c > 0
	case "=":
		return c == 0
	}
	return false
}

// validate reports a Requirement that ParseRequirement would not return,
// for plans built in Go or read from JSON.
func (r Requirement) validate() error {
	known := false
	for _, op := range requirementOps {
		known = known || r.Op == op
	}
	switch {
	case !known:
		return fmt.Errorf("unknown operator %q; %w", r.Op, errRequirementSyntax)
	case r.Version.IsZero():
		return fmt.Errorf("no version; %w", errRequirementSyntax)
	}
	return nil
}

// MarshalText encodes r as "OP VERSION", for YAML and JSON.
func (r Requirement) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText parses "OP VERSION".
func (r *Requirement) UnmarshalText(b []byte) error {
	p, err := ParseRequirement(string(b))
	if err != nil {
		return err
	}
	*r = p
	return nil
}
