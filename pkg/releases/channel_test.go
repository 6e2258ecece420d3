package releases

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/necoship/neco/pkg/model"
)

// rel builds a release fixture from a tag; options adjust it.
func rel(tag string, opts ...func(*model.Release)) model.Release {
	r := model.Release{Tag: tag, PublishedAt: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
	if p, v, err := ParseTag(tag); err == nil {
		r.Prefix, r.Version = p, v
	}
	for _, o := range opts {
		o(&r)
	}
	return r
}

func pre(r *model.Release)   { r.Prerelease = true }
func draft(r *model.Release) { r.Draft = true }
func at(day int) func(*model.Release) {
	return func(r *model.Release) { r.PublishedAt = time.Date(2026, 11, day, 0, 0, 0, 0, time.UTC) }
}

func TestChannelPick(t *testing.T) {
	prod := Channel{Env: model.EnvProduction, Prefixes: []string{"release"}, DevPrefixes: []string{"test"}}
	staging := Channel{Env: model.EnvStaging, Prefixes: []string{"release"}, DevPrefixes: []string{"test"}}
	dev := Channel{Env: model.EnvDev, Prefixes: []string{"release"}, DevPrefixes: []string{"test"}}
	test := Channel{Env: model.EnvTest, Prefixes: []string{"release"}, DevPrefixes: []string{"test"}}

	tests := []struct {
		name    string
		channel Channel
		in      []model.Release
		want    string // picked tag; "" = none
	}{
		{"production takes newest release", prod, []model.Release{rel("release-1.0"), rel("release-1.1"), rel("release-1.0.5")}, "release-1.1"},
		{"production ignores pre-release", prod, []model.Release{rel("release-1.0"), rel("release-1.1", pre)}, "release-1.0"},
		{"staging takes pre-release", staging, []model.Release{rel("release-1.0"), rel("release-1.1", pre)}, "release-1.1"},
		{"staging takes newer release over older pre-release", staging, []model.Release{rel("release-1.2"), rel("release-1.1", pre)}, "release-1.2"},
		{"drafts never count", staging, []model.Release{rel("release-1.0"), rel("release-2.0", draft)}, "release-1.0"},
		{"drafts never count on dev", dev, []model.Release{rel("test-3.0", draft)}, ""},
		{"unknown prefix ignored", prod, []model.Release{rel("release-1.0"), rel("hotfix-9.0")}, "release-1.0"},
		{"dev prefix only on dev", staging, []model.Release{rel("release-1.0"), rel("test-2.0")}, "release-1.0"},
		{"dev takes dev prefix", dev, []model.Release{rel("release-1.0"), rel("test-2.0")}, "test-2.0"},
		{"dev takes pre-release", dev, []model.Release{rel("release-1.0"), rel("release-1.5", pre)}, "release-1.5"},
		{"test never picks", test, []model.Release{rel("release-1.0")}, ""},
		{"unparsable tags skipped", staging, []model.Release{rel("release-1;rm -rf /"), rel("release-0.9")}, "release-0.9"},
		{"nothing qualifies", prod, []model.Release{rel("release-1.0", pre)}, ""},
		{"empty list", prod, nil, ""},
		{"debian ordering, not lexical", prod, []model.Release{rel("release-2026.11.23-9"), rel("release-2026.11.23-10")}, "release-2026.11.23-10"},
		{"tilde sorts before release", prod, []model.Release{rel("release-1.0~rc1"), rel("release-1.0")}, "release-1.0"},
		{"prefix ignored in comparison", dev, []model.Release{rel("test-1.0"), rel("release-1.1")}, "release-1.1"},
		{"equal versions: later publication wins", dev, []model.Release{rel("release-1.0", at(3)), rel("test-1.0", at(5))}, "test-1.0"},
		{"equal versions and dates: greater tag wins regardless of order", dev, []model.Release{rel("test-1.0"), rel("release-1.0")}, "test-1.0"},
		{"unknown env never picks", Channel{Env: "bogus", Prefixes: []string{"release"}}, []model.Release{rel("release-1.0")}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tt.channel.Pick(tt.in)
			if ok != (tt.want != "") {
				t.Fatalf("Pick ok = %v (got %q), want %q", ok, got.Tag, tt.want)
			}
			if diff := cmp.Diff(tt.want, got.Tag); diff != "" {
				t.Errorf("picked tag (-want +got):\n%s", diff)
			}
		})
	}
}
