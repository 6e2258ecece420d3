package plan

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/necoship/neco/pkg/model"
)

// TestParseReportsEveryError feeds one plan with a problem in every section
// and wants all of them in one error, one FieldError per line, grouped by
// entry in file order, with nothing reported twice.
func TestParseReportsEveryError(t *testing.T) {
	const in = `
once:
  - {name: Bad, exec: [rel]}
services:
  - {unit: a.service, strategy: rolling, max-unavailable: 0, images: [nope]}
  - {unit: [b.service], strategy: anytime, timeout: soon}
  - {unit: a.service, strategy: rollin}
neco: ">= 2"
images:
  - {name: cke, ref: "cke:1"}
debs:
  - {name: ab, repo: ab, tag: v1, asset: ab.deb, sha256: "00"}
typo: true
`
	want := []model.FieldError{
		{Field: "typo"},
		{Field: "version"},
		{Field: "neco"},
		{Field: "debs[0].repo"},
		{Field: "debs[0].sha256"},
		{Field: "images[0].ref"},
		{Field: "services[0].max-unavailable"},
		{Field: "services[0].images[0]"},
		{Field: "services[1].unit"},
		{Field: "services[1].timeout"},
		{Field: "services[2].strategy"},
		{Field: "services[2].unit"},
		{Field: "once[0].name"},
		{Field: "once[0].exec[0]"},
	}
	_, err := Parse(strings.NewReader(in))
	if err == nil {
		t.Fatal("Parse succeeded")
	}
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok {
		t.Fatalf("error %T does not join several errors: %v", err, err)
	}
	var got []model.FieldError
	for _, e := range joined.Unwrap() {
		var fe *model.FieldError
		if !errors.As(e, &fe) {
			t.Fatalf("%v is not a *FieldError", e)
		}
		got = append(got, model.FieldError{Field: fe.Field})
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("fields (-want +got):\n%s\nerror:\n%v", diff, err)
	}
	if lines := strings.Count(err.Error(), "\n") + 1; lines != len(want) {
		t.Errorf("%d lines, want one per field (%d):\n%v", lines, len(want), err)
	}
}

// TestValidate covers plans built in Go or read back from JSON, which skip
// the decoder's defaults.
func TestValidate(t *testing.T) {
	valid := func() Plan { return wantFullPlan() }
	tests := []struct {
		name    string
		edit    func(*Plan)
		wantErr string
	}{
		{name: "valid", edit: func(*Plan) {}},
		{name: "zero plan", edit: func(p *Plan) { *p = Plan{} }, wantErr: "version: required"},
		{name: "zero timeouts", edit: func(p *Plan) {
			p.Services[0].Timeout = Duration{}
			p.Services[2].Health = &Health{Exec: []string{"/x"}}
			p.Once[0].Timeout = Duration{}
		}, wantErr: "services[0].timeout: must be between 1s and 1h, got 0s\n" +
			"services[2].health.timeout: must be between 1s and 30m, got 0s\n" +
			"once[0].timeout: must be between 1s and 24h, got 0s"},
		{name: "max-unavailable on anytime", edit: func(p *Plan) { p.Services[3].MaxUnavailable = 1 },
			wantErr: "services[3].max-unavailable: only allowed with strategy rolling"},
		{name: "rolling without max-unavailable", edit: func(p *Plan) { p.Services[1].MaxUnavailable = 0 },
			wantErr: "services[1].max-unavailable: must be >= 1, got 0"},
		{name: "requirement operator", edit: func(p *Plan) { p.Neco.Op = "<" },
			wantErr: `neco: unknown operator "<"; want ">= VERSION", "> VERSION" or "= VERSION"`},
		{name: "requirement version", edit: func(p *Plan) { p.Neco.Version = model.Version{} },
			wantErr: `neco: no version; want ">= VERSION", "> VERSION" or "= VERSION"`},
		{name: "strategy", edit: func(p *Plan) { p.Services[0].Strategy = "Rolling" },
			wantErr: `services[0].strategy: unknown "Rolling"; want anytime, rolling, stop-all`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := valid()
			tt.edit(&p)
			err := p.Validate()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatal(err)
			case tt.wantErr != "" && err == nil:
				t.Fatalf("Validate passed, want %q", tt.wantErr)
			case err != nil:
				if diff := cmp.Diff(tt.wantErr, err.Error()); diff != "" {
					t.Errorf("error (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestCheckVersion(t *testing.T) {
	p := Plan{Version: model.MustParseVersion("2026.11.23-1")}
	tests := []struct {
		pkg     string
		wantErr string
	}{
		{pkg: "2026.11.23-1"},
		{pkg: "2026.11.23-2", wantErr: "version: plan says 2026.11.23-1, package is 2026.11.23-2"},
		{pkg: "2026.11.23-01"}, // the same version to dpkg
		{pkg: "2026.11.23", wantErr: "version: plan says 2026.11.23-1, package is 2026.11.23"},
	}
	for _, tt := range tests {
		err := p.CheckVersion(model.MustParseVersion(tt.pkg))
		if tt.wantErr == "" {
			if err != nil {
				t.Errorf("package %s: %v", tt.pkg, err)
			}
			continue
		}
		if err == nil || err.Error() != tt.wantErr {
			t.Errorf("package %s: got %v, want %q", tt.pkg, err, tt.wantErr)
		}
		var fe *model.FieldError
		if !errors.Is(err, ErrVersionMismatch) || !errors.As(err, &fe) || fe.Field != "version" {
			t.Errorf("package %s: %v is not a version FieldError wrapping ErrVersionMismatch", tt.pkg, err)
		}
	}
	if err := (Plan{}).CheckVersion(model.Version{}); !errors.Is(err, ErrVersionMismatch) {
		t.Errorf("a plan without a version matched a package without one: %v", err)
	}
}

func TestArgv(t *testing.T) {
	step := OnceStep{Exec: []string{"/usr/bin/upload", "{{.Version}}", "--tag=release-{{.Version}}", "{{.Version}}{{.Version}}", "{{ .Version }}"}}
	got := step.Argv(model.MustParseVersion("2026.11.23-1"))
	want := []string{"/usr/bin/upload", "2026.11.23-1", "--tag=release-2026.11.23-1", "2026.11.23-12026.11.23-1", "{{ .Version }}"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Argv (-want +got):\n%s", diff)
	}
	if step.Exec[1] != VersionToken {
		t.Errorf("Argv changed Exec: %q", step.Exec)
	}
}

func TestImageDigest(t *testing.T) {
	for ref, want := range map[string]string{
		"r.example/cke:1.30.1@" + digest: digest,
		"r.example/cke:1.30.1":           "",
	} {
		if got := (Image{Ref: ref}).Digest(); got != want {
			t.Errorf("Digest of %q = %q, want %q", ref, got, want)
		}
	}
}

func TestDurationText(t *testing.T) {
	for in, want := range map[string]time.Duration{"60s": time.Minute, "1h30m": 90 * time.Minute, "250ms": 250 * time.Millisecond} {
		var d Duration
		if err := d.UnmarshalText([]byte(in)); err != nil || d.Duration != want {
			t.Errorf("UnmarshalText(%q) = %v, %v; want %v", in, d, err, want)
		}
		out, _ := d.MarshalText()
		var again Duration
		if err := again.UnmarshalText(out); err != nil || again != d {
			t.Errorf("%q did not survive MarshalText: %q -> %v, %v", in, out, again, err)
		}
	}
	var d Duration
	if err := d.UnmarshalText([]byte("60")); err == nil {
		t.Error(`UnmarshalText("60") accepted a number without a unit`)
	}
}

// TestParseCapsErrors: a file that is not a plan at all gets the first
// hundred problems and a count, not a multi-megabyte message.
func TestParseCapsErrors(t *testing.T) {
	in := "services:\n" + strings.Repeat("  - {}\n", 150) // 1 + 2*150 errors
	_, err := Parse(strings.NewReader(in))
	if err == nil {
		t.Fatal("Parse succeeded")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != maxReported+1 || lines[0] != "version: required" || lines[len(lines)-1] != "and 201 more errors" {
		t.Errorf("%d lines, first %q, last %q; want %d, the version first and a count last",
			len(lines), lines[0], lines[len(lines)-1], maxReported+1)
	}
}
