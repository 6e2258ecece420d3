package plan

import (
	"testing"

	"github.com/necoship/neco/pkg/model"
)

func TestRequirementSatisfied(t *testing.T) {
	tests := []struct {
		req, v string
		want   bool
	}{
		{">= 1.2.0", "1.2.0", true},
		{">= 1.2.0", "1.10.0", true}, // numeric, not lexicographic
		{">= 1.2.0", "1.2.0~rc1", false},
		{">= 1.2.0", "1.1.9", false},
		{"> 1.2.0", "1.2.0", false},
		{"> 1.2.0", "1.2.0-1", true},
		{"> 1.2.0", "1.2.1", true},
		{"= 1.2.0", "1.2.0", true},
		{"= 1.2.0", "1.2.0-0", true}, // equal to dpkg
		{"= 1.2.0", "1.2.1", false},
		{">= 1.2.0", "", false}, // a build without a version
	}
	for _, tt := range tests {
		r, err := ParseRequirement(tt.req)
		if err != nil {
			t.Fatal(err)
		}
		var v model.Version
		if tt.v != "" {
			v = model.MustParseVersion(tt.v)
		}
		if got := r.Satisfied(v); got != tt.want {
			t.Errorf("%q satisfied by %q = %v, want %v", tt.req, tt.v, got, tt.want)
		}
	}
}

func TestParseRequirement(t *testing.T) {
	tests := []struct {
		in, want, wantErr string
	}{
		{in: ">= 1.2.0", want: ">= 1.2.0"},
		{in: ">=1.2.0", want: ">= 1.2.0"},
		{in: "  >   2026.11.23-1 ", want: "> 2026.11.23-1"},
		{in: "=1.0", want: "= 1.0"},
		{in: "", wantErr: `"": want ">= VERSION", "> VERSION" or "= VERSION"`},
		{in: "1.2.0", wantErr: `"1.2.0": want ">= VERSION", "> VERSION" or "= VERSION"`},
		{in: "<= 1.2.0", wantErr: `"<= 1.2.0": want ">= VERSION", "> VERSION" or "= VERSION"`},
		{in: "== 1.2.0", wantErr: `"== 1.2.0": want ">= VERSION", "> VERSION" or "= VERSION"`},
		{in: ">=", wantErr: `">=": no version; want ">= VERSION", "> VERSION" or "= VERSION"`},
		{in: ">= v1.2", wantErr: `">= v1.2": model: invalid version "v1.2": must start with a digit`},
	}
	for _, tt := range tests {
		r, err := ParseRequirement(tt.in)
		switch {
		case tt.wantErr != "":
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("ParseRequirement(%q) = %v, %v; want error %q", tt.in, r, err, tt.wantErr)
			}
		case err != nil:
			t.Errorf("ParseRequirement(%q): %v", tt.in, err)
		case r.String() != tt.want:
			t.Errorf("ParseRequirement(%q) = %q, want %q", tt.in, r, tt.want)
		}
	}
}
