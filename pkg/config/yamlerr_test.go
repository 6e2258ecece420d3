package config

import (
	"strings"
	"testing"
)

// TestYAMLTypeErrorsNameTheField: a value of the wrong type is reported by
// its field path and what the field wants, with the line.
func TestYAMLTypeErrorsNameTheField(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"lrn: \"zero\"\n", "parse local config: lrn: want an integer, got zero (line 1)"},
		{"worker:\n  prepare-timeout: 10\n", "parse local config: worker.prepare-timeout: want a duration with a unit such as 30s or 5m, got 10 (line 2)"},
		{"etcd: {prefix: /n/, endpoints: 3}\n", "parse local config: etcd.endpoints: want a list, such as [a, b], got 3 (line 1)"},
		{"worker: 5\n", "parse local config: worker: want a mapping of keys, got 5 (line 1)"},
		{"etcd:\n  endpoints: [a, [b]]\n", "parse local config: etcd.endpoints[1]: want a string, got a list (line 2)"},
		{"lrn: x\nlog-level: [debug]\n",
			"parse local config: lrn: want an integer, got x (line 1)\nlog-level: want a string, got a list (line 2)"},
	}
	for _, tt := range tests {
		_, err := ParseLocal(strings.NewReader(tt.in))
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("ParseLocal(%q) = %v\nwant prefix %q", tt.in, err, tt.want)
		}
	}
}
