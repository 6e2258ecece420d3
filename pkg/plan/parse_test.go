package plan

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/necoship/neco/pkg/model"
)

const (
	sum    = "bff0c09c36ba4de79de0d3178b61750a04b8d5f35b57dcea2b8fabc16d29c8f9"
	digest = "sha256:f5417efe3a7b1089af809e55a7b253d7ffc534e9074d297f1e158a1aa81ffb86"
)

// fullPlan sets every field at least once, defaults included.
const fullPlan = `
version: 2026.11.23-1
neco: ">=1.2.0"
debs:
  - name: neco
    repo: necoship/neco
    tag: v1.2.0
    asset: neco_1.2.0_amd64.deb
    sha256: ` + sum + `
  - {name: etcdpasswd, repo: cybozu-go/etcdpasswd, tag: 1.10, asset: etcdpasswd_1.10_amd64.deb, sha256: "` + sum + `"}
images:
  - {name: cke, ref: "registry.example/cybozu/cke:1.30.1@` + digest + `"}
  - {name: sabakan, ref: "localhost:5000/sabakan@` + digest + `"}
services:
  - unit: etcd.service
    strategy: rolling
    max-unavailable: 2
    soak: 5m
    health: &etcd-health {http: "http://127.0.0.1:2379/health", timeout: 90s}
    timeout: 10m
  - {unit: etcd-backup.timer, strategy: rolling, health: *etcd-health}
  - {unit: cke.service, images: [cke, sabakan], strategy: stop-all, health: {exec: [/usr/bin/ckecli, status]}}
  - {unit: sabakan@main.service, strategy: anytime, health: ~}
once:
  - {name: upload-contents, exec: [/usr/bin/sabakan-upload, "{{.Version}}"], irreversible: true, timeout: 1h}
  - {name: notify, exec: [/bin/true]}
`

func dur(d time.Duration) Duration { return Duration{d} }

func wantFullPlan() Plan {
	etcdHealth := &Health{HTTP: "http://127.0.0.1:2379/health", Timeout: dur(90 * time.Second)}
	return Plan{
		Version: model.MustParseVersion("2026.11.23-1"),
		Neco:    &Requirement{Op: ">=", Version: model.MustParseVersion("1.2.0")},
		Debs: []Deb{
			{Name: "neco", Repo: "necoship/neco", Tag: "v1.2.0", Asset: "neco_1.2.0_amd64.deb", SHA256: sum},
			{Name: "etcdpasswd", Repo: "cybozu-go/etcdpasswd", Tag: "1.10", Asset: "etcdpasswd_1.10_amd64.deb", SHA256: sum},
		},
		Images: []Image{
			{Name: "cke", Ref: "registry.example/cybozu/cke:1.30.1@" + digest},
			{Name: "sabakan", Ref: "localhost:5000/sabakan@" + digest},
		},
		Services: []Service{
			{Unit: "etcd.service", Strategy: StrategyRolling, MaxUnavailable: 2, Soak: dur(5 * time.Minute), Health: etcdHealth, Timeout: dur(10 * time.Minute)},
			{Unit: "etcd-backup.timer", Strategy: StrategyRolling, MaxUnavailable: 1, Health: etcdHealth, Timeout: dur(5 * time.Minute)},
			{Unit: "cke.service", Strategy: StrategyStopAll, Images: []string{"cke", "sabakan"},
				Health:  &Health{Exec: []string{"/usr/bin/ckecli", "status"}, Timeout: dur(time.Minute)},
				Timeout: dur(5 * time.Minute)},
			{Unit: "sabakan@main.service", Strategy: StrategyAnytime, Timeout: dur(5 * time.Minute)},
		},
		Once: []OnceStep{
			{Name: "upload-contents", Exec: []string{"/usr/bin/sabakan-upload", "{{.Version}}"}, Irreversible: true, Timeout: dur(time.Hour)},
			{Name: "notify", Exec: []string{"/bin/true"}, Timeout: dur(10 * time.Minute)},
		},
	}
}

// v is the version line most error cases start from.
const v = "version: 1.0\n"

func TestParse(t *testing.T) {
	svc := func(fields string) string { return v + "services:\n  - {" + fields + "}\n" }
	deb := func(fields string) string { return v + "debs:\n  - {" + fields + "}\n" }
	img := func(ref string) string { return v + "images:\n  - {name: x, ref: \"" + ref + "\"}\n" }
	once := func(fields string) string { return v + "once:\n  - {" + fields + "}\n" }
	const okDeb = "name: ab, repo: o/r, tag: v1, asset: x.deb, sha256: " + sum
	const okImg = "{name: cke, ref: \"r.example/cke@" + digest + "\"}"

	tests := []struct {
		name    string
		in      string
		want    Plan
		wantErr string
	}{
		{name: "full plan", in: fullPlan, want: wantFullPlan()},
		{name: "no services is valid", in: v, want: Plan{Version: model.MustParseVersion("1.0")}},
		{name: "null sections", in: v + "neco:\ndebs: ~\nimages: []\nservices:\nonce: null\n",
			want: Plan{Version: model.MustParseVersion("1.0")}},
		{name: "defaults", in: svc("unit: a.service, strategy: rolling, health: {http: 'https://h/'}") + "once: [{name: s, exec: [/s]}]\n",
			want: Plan{
				Version: model.MustParseVersion("1.0"),
				Services: []Service{{Unit: "a.service", Strategy: StrategyRolling, MaxUnavailable: 1,
					Health: &Health{HTTP: "https://h/", Timeout: dur(DefaultHealthTimeout)}, Timeout: dur(DefaultServiceTimeout)}},
				Once: []OnceStep{{Name: "s", Exec: []string{"/s"}, Timeout: dur(DefaultOnceTimeout)}},
			}},

		// The document.
		{name: "empty file", in: "", wantErr: "version: required"},
		{name: "only comments", in: "# nothing yet\n", wantErr: "version: required"},
		{name: "not a mapping", in: "- version: 1.0\n", wantErr: "want a mapping, got a list"},
		{name: "two documents", in: v + "---\n" + v, wantErr: "parse plan: more than one YAML document"},
		{name: "syntax error", in: "version: [1.0\n", wantErr: "parse plan: yaml: line 1: did not find expected ',' or ']'"},
		{name: "unknown top-level field", in: v + "service: []\n",
			wantErr: "service: unknown field; want version, neco, debs, images, services, once"},
		{name: "unknown nested field", in: svc("unit: a.service, strategy: anytime, helth: {}"),
			wantErr: "services[0].helth: unknown field; want unit, strategy, max-unavailable, soak, images, health, timeout"},
		{name: "odd key quoted in path", in: v + "\"a b\": 1\n",
			wantErr: `"a b": unknown field; want version, neco, debs, images, services, once`},
		{name: "field twice", in: v + "version: 1.1\n", wantErr: "version: set twice (lines 1 and 2)"},
		{name: "merge key", in: v + "base: &b {strategy: anytime}\nservices:\n  - {<<: *b, unit: a.service}\n",
			wantErr: "base: unknown field; want version, neco, debs, images, services, once\n" +
				`services[0]."<<": merge keys are not supported; write the fields out` + "\n" +
				"services[0].strategy: required; want anytime, rolling, stop-all"},
		{name: "list where a mapping goes", in: v + "services: [[a]]\n", wantErr: "services[0]: want a mapping, got a list"},
		{name: "mapping where a list goes", in: v + "debs: {name: x}\n", wantErr: "debs: want a list, got a mapping"},
		{name: "list where a string goes", in: svc("unit: [a.service], strategy: anytime"),
			wantErr: "services[0].unit: want a string, got a list"},
		{name: "binary string", in: v + "images: [{name: !!binary eA==, ref: r}]\n",
			wantErr: "images[0].name: want a string, got a !!binary value\n" +
				`images[0].ref: "r": must be pinned by digest (REGISTRY/REPO[:TAG]@sha256:<64 hex>)`},

		// version and neco.
		{name: "version invalid", in: "version: v1\n", wantErr: `version: model: invalid version "v1": must start with a digit`},
		{name: "neco operator", in: v + "neco: '=> 1.2'\n", wantErr: `neco: "=> 1.2": want ">= VERSION", "> VERSION" or "= VERSION"`},
		{name: "neco no operator", in: v + "neco: 1.2\n", wantErr: `neco: "1.2": want ">= VERSION", "> VERSION" or "= VERSION"`},
		{name: "neco bad version", in: v + "neco: '>= x'\n", wantErr: `neco: ">= x": model: invalid version "x": must start with a digit`},
		{name: "neco without its deb", in: v + "neco: '>= 1.2'\n",
			wantErr: `neco: needs a debs entry named "neco": the package the worker updates itself from`},

		// debs.
		{name: "deb fields required", in: v + "debs: [{}]\n",
			wantErr: "debs[0].name: required\ndebs[0].repo: required\ndebs[0].tag: required\ndebs[0].asset: required\ndebs[0].sha256: required"},
		{name: "deb name", in: deb(strings.Replace(okDeb, "name: ab", "name: X_1", 1)),
			wantErr: `debs[0].name: "X_1": want a Debian package name ([a-z0-9][a-z0-9+.-]+, at most 128 characters)`},
		{name: "deb repo", in: deb(strings.Replace(okDeb, "o/r", "o/r/x", 1)), wantErr: `debs[0].repo: "o/r/x": want owner/name`},
		{name: "deb repo part", in: deb(strings.Replace(okDeb, "o/r", "o/..", 1)),
			wantErr: `debs[0].repo: "o/..": ".." is not a valid owner or repository name (want [A-Za-z0-9_.-]+)`},
		{name: "deb tag", in: deb(strings.Replace(okDeb, "tag: v1", "tag: 'v 1'", 1)),
			wantErr: `debs[0].tag: "v 1": must not contain spaces or control characters`},
		{name: "deb asset path", in: deb(strings.Replace(okDeb, "x.deb", "../x.deb", 1)),
			wantErr: `debs[0].asset: "../x.deb": want a plain file name, not a path`},
		{name: "deb asset suffix", in: deb(strings.Replace(okDeb, "x.deb", "x.tar.gz", 1)),
			wantErr: `debs[0].asset: "x.tar.gz": want a file name ending in .deb`},
		{name: "deb sha256 uppercase", in: deb(strings.Replace(okDeb, sum, strings.ToUpper(sum), 1)),
			wantErr: `debs[0].sha256: "` + strings.ToUpper(sum) + `": want 64 lowercase hex digits`},
		{name: "deb names unique", in: v + "debs: [{" + okDeb + "}, {" + okDeb + "}]\n",
			wantErr: `debs[1].name: duplicate "ab" (first at debs[0])`},

		// images.
		{name: "image fields required", in: v + "images: [{}]\n", wantErr: "images[0].name: required\nimages[0].ref: required"},
		{name: "image name", in: v + "images: [{name: Cke, ref: \"r.example/cke@" + digest + "\"}]\n",
			wantErr: `images[0].name: "Cke": want [a-z0-9][a-z0-9._-]*, at most 128 characters`},
		{name: "image tag only", in: img("r.example/cke:1.30"),
			wantErr: `images[0].ref: "r.example/cke:1.30": must be pinned by digest (REGISTRY/REPO[:TAG]@sha256:<64 hex>)`},
		{name: "image short digest", in: img("r.example/cke@sha256:abc"),
			wantErr: `images[0].ref: "r.example/cke@sha256:abc": digest must be sha256: and 64 lowercase hex digits (REGISTRY/REPO[:TAG]@sha256:<64 hex>)`},
		{name: "image no registry", in: img("cybozu/cke@" + digest),
			wantErr: `images[0].ref: "cybozu/cke@` + digest + `": must start with a registry host, like registry.example/ (REGISTRY/REPO[:TAG]@sha256:<64 hex>)`},
		{name: "image bad tag", in: img("r.example/cke:-x@" + digest),
			wantErr: `images[0].ref: "r.example/cke:-x@` + digest + `": invalid tag "-x" (REGISTRY/REPO[:TAG]@sha256:<64 hex>)`},
		{name: "image uppercase repository", in: img("r.example/Cke@" + digest),
			wantErr: `images[0].ref: "r.example/Cke@` + digest + `": invalid repository "Cke": lowercase [a-z0-9] words separated by . _ - or / (REGISTRY/REPO[:TAG]@sha256:<64 hex>)`},
		{name: "image names unique", in: v + "images: [" + okImg + ", " + okImg + "]\n",
			wantErr: `images[1].name: duplicate "cke" (first at images[0])`},

		// services.
		{name: "unit and strategy required", in: v + "services: [{}]\n",
			wantErr: "services[0].unit: required\nservices[0].strategy: required; want anytime, rolling, stop-all"},
		{name: "unknown strategy", in: svc("unit: a.service, strategy: anytime") + "  - {unit: b.service, strategy: anytime}\n  - {unit: c.service, strategy: rollin}\n",
			wantErr: `services[2].strategy: unknown "rollin"; want anytime, rolling, stop-all`},
		{name: "unit characters", in: svc("unit: 'a b.service', strategy: anytime"),
			wantErr: `services[0].unit: "a b.service": want a systemd unit name ([A-Za-z0-9:_.@-]+)`},
		{name: "unit suffix", in: svc("unit: a.slice, strategy: anytime"),
			wantErr: `services[0].unit: "a.slice": want a unit ending in .service, .socket, .timer, .target, .path, .mount`},
		{name: "unit without a name", in: svc("unit: .service, strategy: anytime"),
			wantErr: `services[0].unit: ".service": no name before the suffix`},
		{name: "unit template", in: svc("unit: getty@.service, strategy: anytime"),
			wantErr: `services[0].unit: "getty@.service" is a template; name an instance (like name@instance.service)`},
		{name: "unit too long", in: svc("unit: " + strings.Repeat("a", 250) + ".service, strategy: anytime"),
			wantErr: "services[0].unit: longer than 256 characters"},
		{name: "units unique", in: svc("unit: a.service, strategy: anytime") + "  - {unit: a.service, strategy: rolling}\n",
			wantErr: `services[1].unit: duplicate "a.service" (first at services[0])`},
		{name: "max-unavailable zero", in: svc("unit: a.service, strategy: rolling, max-unavailable: 0"),
			wantErr: "services[0].max-unavailable: must be >= 1, got 0"},
		{name: "max-unavailable not rolling", in: svc("unit: a.service, strategy: stop-all, max-unavailable: 0"),
			wantErr: "services[0].max-unavailable: only allowed with strategy rolling"},
		{name: "soak not rolling", in: svc("unit: a.service, strategy: anytime, soak: 1m"),
			wantErr: "services[0].soak: only allowed with strategy rolling"},
		{name: "soak negative", in: svc("unit: a.service, strategy: rolling, soak: -1m"),
			wantErr: "services[0].soak: must be 0s to 24h0m0s, got -1m0s"},
		{name: "soak too long", in: svc("unit: a.service, strategy: rolling, soak: 25h"),
			wantErr: "services[0].soak: must be 0s to 24h0m0s, got 25h0m0s"},
		{name: "max-unavailable quoted", in: svc("unit: a.service, strategy: rolling, max-unavailable: '2'"),
			wantErr: `services[0].max-unavailable: want an integer, got "2"`},
		{name: "service image unknown", in: svc("unit: a.service, strategy: anytime, images: [ckee]"),
			wantErr: `services[0].images[0]: unknown image "ckee"; name one from images`},
		{name: "service image twice", in: v + "images: [" + okImg + "]\n" + "services: [{unit: a.service, strategy: anytime, images: [cke, cke]}]\n",
			wantErr: `services[0].images[1]: duplicate "cke" (first at services[0].images[0])`},
		{name: "service timeout range", in: svc("unit: a.service, strategy: anytime, timeout: 2h"),
			wantErr: "services[0].timeout: must be between 1s and 1h, got 2h"},
		{name: "service timeout unit", in: svc("unit: a.service, strategy: anytime, timeout: 60"),
			wantErr: `services[0].timeout: want a duration like "60s" or "5m", got "60"`},

		// health.
		{name: "health both", in: svc("unit: a.service, strategy: anytime, health: {http: 'http://h/', exec: [/x]}"),
			wantErr: "services[0].health: want exactly one of http or exec, got both"},
		{name: "health neither", in: svc("unit: a.service, strategy: anytime, health: {timeout: 1s}"),
			wantErr: "services[0].health: want exactly one of http or exec, got neither"},
		{name: "health url", in: svc("unit: a.service, strategy: anytime, health: {http: '127.0.0.1:2379/health'}"),
			wantErr: `services[0].health.http: want an absolute http(s) URL, got "127.0.0.1:2379/health"`},
		{name: "health exec relative", in: svc("unit: a.service, strategy: anytime, health: {exec: [check, now]}"),
			wantErr: `services[0].health.exec[0]: want an absolute path, got "check"`},
		{name: "health exec template", in: svc("unit: a.service, strategy: anytime, health: {exec: [/check, '{{.Version}}']}"),
			wantErr: `services[0].health.exec[1]: "{{.Version}}": {{.Version}} is expanded only in once[].exec`},
		{name: "health timeout range", in: svc("unit: a.service, strategy: anytime, health: {exec: [/x], timeout: 31m}"),
			wantErr: "services[0].health.timeout: must be between 1s and 30m, got 31m"},

		// once.
		{name: "once fields required", in: v + "once: [{}]\n", wantErr: "once[0].name: required\nonce[0].exec: required"},
		{name: "once name", in: once("name: Upload, exec: [/x]"),
			wantErr: `once[0].name: "Upload": want [a-z0-9][a-z0-9-]*, at most 63 characters`},
		{name: "once names unique", in: once("name: a, exec: [/x]") + "  - {name: a, exec: [/y]}\n",
			wantErr: `once[1].name: duplicate "a" (first at once[0])`},
		{name: "once exec relative", in: once("name: a, exec: ['{{.Version}}/bin/x']"),
			wantErr: `once[0].exec[0]: want an absolute path, got "{{.Version}}/bin/x"`},
		{name: "once other template", in: once("name: a, exec: [/x, '{{.Version}}', 'v{{ .Version }}']"),
			wantErr: `once[0].exec[2]: "v{{ .Version }}": the only template is {{.Version}}`},
		{name: "once NUL", in: once("name: a, exec: [/x, \"a\\0b\"]"),
			wantErr: `once[0].exec[1]: "a\x00b": contains a NUL byte`},
		{name: "once irreversible yes", in: once("name: a, exec: [/x], irreversible: yes"),
			wantErr: `once[0].irreversible: want true or false, got "yes"`},
		{name: "once timeout negative", in: once("name: a, exec: [/x], timeout: -1s"),
			wantErr: "once[0].timeout: must be between 1s and 24h, got -1s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(strings.NewReader(tt.in))
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("Parse succeeded, want error %q", tt.wantErr)
				}
				if diff := cmp.Diff(tt.wantErr, err.Error()); diff != "" {
					t.Fatalf("error (-want +got):\n%s", diff)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("plan (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseTooLarge(t *testing.T) {
	big := v + "# " + strings.Repeat("x", MaxSize) + "\n"
	if _, err := Parse(strings.NewReader(big)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Parse of %d bytes: %v, want ErrTooLarge", len(big), err)
	}
	// Fewer than 2 KB of aliases name 10^4 lists of 10^4 strings each.
	var bomb strings.Builder
	bomb.WriteString(v + "a: &a [x, x, x, x, x, x, x, x, x, x]\n")
	for _, name := range []string{"b", "c", "d"} {
		prev := string(rune(name[0] - 1))
		bomb.WriteString(name + ": &" + name + " [" + strings.Repeat("*"+prev+", ", 9) + "*" + prev + "]\n")
	}
	bomb.WriteString("once: [" + strings.Repeat("{name: x, exec: *d}, ", 9999) + "{name: x, exec: *d}]\n")
	_, err := Parse(strings.NewReader(bomb.String()))
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("alias bomb: %v, want ErrTooLarge", err)
	}
}

func TestLoad(t *testing.T) {
	t.Run("example", func(t *testing.T) {
		p, err := Load("testdata/plan.yaml")
		if err != nil {
			t.Fatal(err)
		}
		// Spot checks; the full struct is TestParse's business.
		if got := p.Version.String(); got != "2026.11.23-1" {
			t.Errorf("version %q", got)
		}
		if got := len(p.Services); got != 3 {
			t.Errorf("%d services, want 3", got)
		}
		if img, ok := p.Image("cke"); !ok || img.Digest() != "sha256:f5417efe3a7b1089af809e55a7b253d7ffc534e9074d297f1e158a1aa81ffb86" {
			t.Errorf("image cke: %+v %v", img, ok)
		}
		if _, ok := p.Deb("neco"); !ok {
			t.Error("no neco deb")
		}
		if _, ok := p.Deb("nope"); ok {
			t.Error("Deb found a deb the plan does not have")
		}
	})
	t.Run("missing", func(t *testing.T) {
		_, err := Load(filepath.Join(t.TempDir(), "plan.yaml"))
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("got %v, want fs.ErrNotExist", err)
		}
	})
	t.Run("invalid names the path", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "plan.yaml")
		if err := os.WriteFile(path, []byte("version: 1.0\nservices: [{unit: a.service}]\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Load(path)
		want := path + ": services[0].strategy: required; want anytime, rolling, stop-all"
		if err == nil || err.Error() != want {
			t.Errorf("got %v, want %q", err, want)
		}
	})
}
