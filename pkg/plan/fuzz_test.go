package plan

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"go.yaml.in/yaml/v3"
)

// FuzzParse: Parse never panics, every error says something, and a plan it
// accepts validates, survives the JSON the worker stores it as, and parses
// back from its own YAML. More seeds live in testdata/fuzz/FuzzParse/, so
// plain `go test` replays them.
func FuzzParse(f *testing.F) {
	example, err := os.ReadFile("testdata/plan.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(example)
	f.Add([]byte(fullPlan))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse(bytes.NewReader(data))
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("Parse accepted a plan that does not validate: %v", err)
		}
		stored, err := json.Marshal(p)
		if err != nil {
			t.Fatalf("marshal JSON: %v", err)
		}
		var fromJSON Plan
		if err := json.Unmarshal(stored, &fromJSON); err != nil {
			t.Fatalf("unmarshal %s: %v", stored, err)
		}
		if diff := cmp.Diff(p, fromJSON, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("JSON round trip (-parsed +stored):\n%s", diff)
		}
		written, err := yaml.Marshal(p)
		if err != nil {
			t.Fatalf("marshal YAML: %v", err)
		}
		fromYAML, err := Parse(bytes.NewReader(written))
		if err != nil {
			t.Fatalf("re-parse of\n%s: %v", written, err)
		}
		if diff := cmp.Diff(p, fromYAML, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("YAML round trip (-parsed +written):\n%s", diff)
		}
	})
}
