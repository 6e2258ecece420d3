package plan

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// maxNodes bounds how many nodes the decoder visits. A real plan has a few
// hundred. Aliases let a small file name one subtree many times over, and
// following them must not turn a megabyte into billions of visits.
const maxNodes = 100_000

// decoder reads a YAML node tree into Go values, recording every problem
// with the field path it is about and carrying on, so that one Parse
// reports them all. It knows YAML's shapes (mappings, lists, scalars,
// aliases); the plan's schema is in decode_plan.go.
type decoder struct {
	errs      fieldErrors
	visits    int
	exhausted bool
}

// resolve follows an alias to the node it names and counts the visit. It
// returns nil for an absent or null value ("health:", "health: ~"), which
// every reader treats as "not set", and once the visit budget is spent.
func (d *decoder) resolve(n *yaml.Node) *yaml.Node {
	// yaml.v3 refuses an alias to a node that contains it, so this ends;
	// the bound is for safety, not for correctness.
	for hops := 0; n != nil && n.Kind == yaml.AliasNode && hops < 8; hops++ {
		n = n.Alias
	}
	if n == nil || n.Kind == yaml.AliasNode {
		return nil
	}
	d.visits++
	if d.visits > maxNodes {
		d.exhausted = true
		return nil
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return nil
	}
	return n
}

// fields reads a mapping whose keys must all be among known and returns the
// (unresolved) value of each key present. An absent or null mapping gives an
// empty result; unknown, repeated and merge ("<<") keys are errors.
func (d *decoder) fields(path string, raw *yaml.Node, known ...string) map[string]*yaml.Node {
	out := map[string]*yaml.Node{}
	n := d.resolve(raw)
	if n == nil {
		return out
	}
	if n.Kind != yaml.MappingNode {
		d.errs.add(path, fmt.Errorf("want a mapping, got %s", describe(n)))
		return out
	}
	lines := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := d.resolve(n.Content[i])
		switch {
		case d.exhausted:
			return out
		case k == nil || k.Kind != yaml.ScalarNode:
			d.errs.add(path, fmt.Errorf("line %d: want a field name as key, got %s", n.Content[i].Line, describe(k)))
			continue
		case k.ShortTag() == "!!merge":
			// Merged keys would hide where a field came from; a plan is
			// short enough to write out.
			d.errs.add(fieldPath(path, "<<"), errors.New("merge keys are not supported; write the fields out"))
			continue
		}
		p := fieldPath(path, k.Value)
		if !slices.Contains(known, k.Value) {
			d.errs.add(p, fmt.Errorf("unknown field; want %s", strings.Join(known, ", ")))
			continue
		}
		if line, dup := lines[k.Value]; dup {
			d.errs.add(p, fmt.Errorf("set twice (lines %d and %d)", line, k.Line))
			continue
		}
		lines[k.Value] = k.Line
		out[k.Value] = n.Content[i+1]
	}
	return out
}

// items reads a list and returns its (unresolved) elements; nil when the
// list is absent, null or not a list.
func (d *decoder) items(path string, raw *yaml.Node) []*yaml.Node {
	n := d.resolve(raw)
	if n == nil {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		d.errs.add(path, fmt.Errorf("want a list, got %s", describe(n)))
		return nil
	}
	return n.Content
}

// str reads a scalar as written: "tag: 1.10" is the string "1.10", as it
// would be with yaml.v3's own decoding into a string.
func (d *decoder) str(path string, raw *yaml.Node) string {
	n := d.resolve(raw)
	switch {
	case n == nil:
		return ""
	case n.Kind != yaml.ScalarNode:
		d.errs.add(path, fmt.Errorf("want a string, got %s", describe(n)))
		return ""
	case n.ShortTag() == "!!binary":
		d.errs.add(path, errors.New("want a string, got a !!binary value"))
		return ""
	}
	return n.Value
}

// strs reads a list of strings; nil when absent or empty.
func (d *decoder) strs(path string, raw *yaml.Node) []string {
	var out []string
	for i, n := range d.items(path, raw) {
		out = append(out, d.str(indexPath(path, i), n))
	}
	return out
}

// integer reads an integer, or returns def when it is absent. A quoted "1"
// is refused: the plan says what it means.
func (d *decoder) integer(path string, raw *yaml.Node, def int) int {
	n := d.resolve(raw)
	if n == nil {
		return def
	}
	var v int
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || n.Decode(&v) != nil {
		d.errs.add(path, fmt.Errorf("want an integer, got %s", describe(n)))
		return def
	}
	return v
}

// boolean reads true or false; absent is false.
func (d *decoder) boolean(path string, raw *yaml.Node) bool {
	n := d.resolve(raw)
	if n == nil {
		return false
	}
	var v bool
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" || n.Decode(&v) != nil {
		d.errs.add(path, fmt.Errorf("want true or false, got %s", describe(n)))
		return false
	}
	return v
}

// duration reads a Go duration string, or returns def when it is absent.
func (d *decoder) duration(path string, raw *yaml.Node, def Duration) Duration {
	s := d.str(path, raw)
	if s == "" {
		return def
	}
	var v Duration
	if err := v.UnmarshalText([]byte(s)); err != nil {
		d.errs.add(path, err)
		return def
	}
	return v
}

// describe names what a node is, for "want X, got Y" messages.
func describe(n *yaml.Node) string {
	switch {
	case n == nil:
		return "nothing"
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	}
	return quoteShort(n.Value)
}

// maxQuoted bounds a value echoed in an error; the whole file may be one
// scalar.
const maxQuoted = 400

func quoteShort(s string) string {
	if len(s) > maxQuoted {
		return strconv.Quote(s[:maxQuoted]) + "..."
	}
	return strconv.Quote(s)
}

var plainKey = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// fieldPath appends a key to a path. Keys that are not plain words are
// quoted, so that a stray "a.b:" or a key with a newline cannot make the
// path misleading.
func fieldPath(path, key string) string {
	if !plainKey.MatchString(key) {
		key = quoteShort(key)
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

func indexPath(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}
