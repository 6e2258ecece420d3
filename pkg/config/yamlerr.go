package config

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// yaml.v3 reports a value of the wrong type as "line 2: cannot unmarshal
// !!int `10` into time.Duration": a line, but not the field, and in Go's
// words. explainYAML rewrites each such line as the field path and what
// the field wants, "worker.prepare-timeout: want a duration with a unit
// such as 30s or 5m, got 10 (line 2)", which is what an operator fixes.

// typeErrLine matches one message of a yaml.TypeError.
var typeErrLine = regexp.MustCompile("^line (\\d+): cannot unmarshal !!(\\w+)(?: `(.*)`)? into (.+)$")

// wants says in words what a Go type of the local config takes.
var wants = map[string]string{
	"int":           "an integer",
	"bool":          "true or false",
	"string":        "a string",
	"time.Duration": "a duration with a unit such as 30s or 5m",
	"[]string":      "a list, such as [a, b]",
}

// explainYAML returns err with the field of each type error named; other
// errors are returned as they are.
func explainYAML(data []byte, err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return err
	}
	fields := fieldsByLine(data)
	lines := make([]string, 0, len(te.Errors))
	for _, msg := range te.Errors {
		lines = append(lines, explainTypeLine(msg, fields))
	}
	return errors.New(strings.Join(lines, "\n"))
}

func explainTypeLine(msg string, fields map[int][]fieldAt) string {
	m := typeErrLine.FindStringSubmatch(msg)
	if m == nil {
		return msg
	}
	line, _ := strconv.Atoi(m[1])
	got, kind := m[3], m[2]
	field, ok := fieldOf(fields[line], got, kind)
	if !ok {
		return msg
	}
	if field == "" {
		field = "the file"
	}
	switch {
	case kind == "seq":
		got = "a list"
	case kind == "map":
		got = "a mapping"
	}
	want, ok := wants[m[4]]
	if !ok {
		if strings.HasPrefix(m[4], "map[") || strings.HasPrefix(m[4], "config.") {
			want = "a mapping of keys"
		} else {
			want = m[4]
		}
	}
	return fmt.Sprintf("%s: want %s, got %s (line %d)", field, want, got, line)
}

// fieldAt is a value of the document: its key path, its YAML kind (seq,
// map or a scalar's) and, for a scalar, its text.
type fieldAt struct {
	path, kind, value string
}

// fieldOf picks the field a type error is about among those on its line
// (a flow collection puts several there): the scalars whose text is the
// one reported, or for a list or mapping the innermost of that kind,
// since the outer ones are the lists and mappings the file is made of.
func fieldOf(candidates []fieldAt, got, kind string) (string, bool) {
	var match []string
	for _, c := range candidates {
		if c.kind == kind && (c.value == got || kind == "seq" || kind == "map") {
			match = append(match, c.path)
		}
	}
	switch {
	case len(match) == 0:
		return "", false
	case kind == "seq" || kind == "map":
		return match[len(match)-1], true
	}
	return strings.Join(match, " or "), true
}

// fieldsByLine maps each line to the values on it, with their key paths
// (list items as path[i]).
func fieldsByLine(data []byte) map[int][]fieldAt {
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		return nil
	}
	out := map[int][]fieldAt{}
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, path)
			}
		case yaml.MappingNode:
			if path != "" {
				out[n.Line] = append(out[n.Line], fieldAt{path: path, kind: "map"})
			}
			for i := 0; i+1 < len(n.Content); i += 2 {
				walk(n.Content[i+1], join(path, n.Content[i].Value))
			}
		case yaml.SequenceNode:
			out[n.Line] = append(out[n.Line], fieldAt{path: path, kind: "seq"})
			for i, c := range n.Content {
				walk(c, fmt.Sprintf("%s[%d]", path, i))
			}
		default:
			out[n.Line] = append(out[n.Line], fieldAt{path: path, kind: strings.TrimPrefix(n.ShortTag(), "!!"), value: n.Value})
		}
	}
	walk(&doc, "")
	return out
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
