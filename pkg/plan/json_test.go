package plan

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"go.yaml.in/yaml/v3"
)

// TestJSONRoundTrip: the worker stores a plan as JSON and compares it
// later, so what comes back must equal what went in and still validate.
func TestJSONRoundTrip(t *testing.T) {
	p := wantFullPlan()
	data, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var back Plan
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(p, back, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if err := back.Validate(); err != nil {
		t.Errorf("round-tripped plan: %v", err)
	}
}

// TestJSONForm pins the stored form: snake_case keys, durations and the
// requirement as strings (encoding/json escapes its ">"), optional fields
// left out.
func TestJSONForm(t *testing.T) {
	p, err := Parse(strings.NewReader(`
version: 1.0
neco: ">=1.2"
debs: [{name: neco, repo: o/neco, tag: v1.2, asset: neco.deb, sha256: "` + sum + `"}]
images: [{name: cke, ref: "r.example/cke@` + digest + `"}]
services:
  - {unit: a.service, strategy: rolling, images: [cke], health: {http: "http://h/"}}
  - {unit: b.service, strategy: anytime}
once: [{name: s, exec: [/s, "{{.Version}}"], irreversible: true}]
`))
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.MarshalIndent(p, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	want := `{
 "version": "1.0",
 "neco": "\u003e= 1.2",
 "debs": [
  {
   "name": "neco",
   "repo": "o/neco",
   "tag": "v1.2",
   "asset": "neco.deb",
   "sha256": "` + sum + `"
  }
 ],
 "images": [
  {
   "name": "cke",
   "ref": "r.example/cke@` + digest + `"
  }
 ],
 "services": [
  {
   "unit": "a.service",
   "strategy": "rolling",
   "max_unavailable": 1,
   "images": [
    "cke"
   ],
   "health": {
    "http": "http://h/",
    "timeout": "1m0s"
   },
   "timeout": "5m0s"
  },
  {
   "unit": "b.service",
   "strategy": "anytime",
   "timeout": "5m0s"
  }
 ],
 "once": [
  {
   "name": "s",
   "exec": [
    "/s",
    "{{.Version}}"
   ],
   "irreversible": true,
   "timeout": "10m0s"
  }
 ]
}`
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("JSON (-want +got):\n%s", diff)
	}
}

// TestYAMLRoundTrip: a plan written back out with yaml.Marshal (neco plan
// may print one) parses to the same plan, so the YAML tags and the decoder
// agree on every field name.
func TestYAMLRoundTrip(t *testing.T) {
	p := wantFullPlan()
	data, err := yaml.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	if diff := cmp.Diff(p, back, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}
