package plan

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"go.yaml.in/yaml/v3"
)

// MaxSize bounds a plan file. A real plan is a few kilobytes; the bound
// keeps a wrong path (a disk image, /dev/zero) from exhausting memory.
const MaxSize = 1 << 20

// Load reads, parses and validates the plan at path (usually DefaultPath).
func Load(path string) (Plan, error) {
	f, err := os.Open(path)
	if err != nil {
		return Plan{}, err // *PathError already names the path
	}
	defer f.Close()
	p, err := Parse(f)
	if err != nil {
		return Plan{}, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// Parse reads one YAML document from r, applies the defaults of the fields
// it leaves out, and validates the result. Every problem is reported, one
// per line, each naming its field path; a field neco does not know is an
// error, so a typo ("helth:") is not silently ignored. Parse does not know
// the package's version: the worker calls CheckVersion.
func Parse(r io.Reader) (Plan, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return Plan{}, fmt.Errorf("read plan: %w", err)
	}
	if len(data) > MaxSize {
		return Plan{}, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, MaxSize)
	}
	root, err := parseDocument(data)
	if err != nil {
		return Plan{}, err
	}
	var d decoder
	p := d.plan(root)
	if d.exhausted {
		return Plan{}, fmt.Errorf("%w: more than %d YAML nodes once aliases are followed", ErrTooLarge, maxNodes)
	}
	errs := slices.Clone(d.errs)
	var invalid fieldErrors
	p.validate(&invalid)
	unreadable := d.errs.paths()
	for _, e := range invalid {
		// A field the decoder could not read is zero now; "required" or
		// "invalid" on top of "want a string" would only be noise.
		if !coveredBy(unreadable, e.Field) {
			errs = append(errs, e)
		}
	}
	errs.sortByEntry()
	if err := errs.join(); err != nil {
		return Plan{}, err
	}
	return p, nil
}

// parseDocument returns the top node of the only YAML document in data, or
// nil when data holds no document (an empty file, only comments).
func parseDocument(data []byte) (*yaml.Node, error) {
	// The tree is walked by hand (decode.go) rather than decoded into
	// structs with KnownFields(true): yaml.v3 names an unknown field by line
	// and Go type, and stops at the first failing UnmarshalText, where a plan
	// author needs every problem, each by its field path.
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, fmt.Errorf("parse plan: %w", err)
	}
	// A second document would be ignored by a plain Decode; whoever wrote
	// one meant something by it.
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, fmt.Errorf("parse plan: %w", err)
	default:
		return nil, errors.New("parse plan: more than one YAML document")
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	return doc.Content[0], nil
}
