package releases

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/necoship/neco/pkg/model"
)

func TestSiteAsset(t *testing.T) {
	rel := func(names ...string) model.Release {
		r := model.Release{Tag: "release-1.0"}
		for _, n := range names {
			r.Assets = append(r.Assets, model.Asset{Name: n})
		}
		return r
	}
	tests := []struct {
		name, glob string
		rel        model.Release
		want       string
		wantErr    string
	}{
		{name: "one match", glob: "*_1.0_amd64.deb", rel: rel(ChecksumsAsset, "site_1.0_amd64.deb"), want: "site_1.0_amd64.deb"},
		{name: "none", glob: "*_1.0_amd64.deb", rel: rel(ChecksumsAsset, "site_1.0_arm64.deb"), wantErr: "no asset matches"},
		{name: "no assets", glob: "*_1.0_amd64.deb", rel: rel(), wantErr: "assets: none"},
		{name: "two", glob: "*_1.0_amd64.deb", rel: rel("a_1.0_amd64.deb", "b_1.0_amd64.deb"), wantErr: "2 assets match"},
		{name: "bad pattern", glob: "[", rel: rel("x"), wantErr: "asset pattern"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := SiteAsset(tt.rel, tt.glob)
			switch {
			case tt.wantErr == "" && (err != nil || got != tt.want):
				t.Fatalf("SiteAsset = %q, %v; want %q", got, err, tt.want)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("SiteAsset = %q, %v; want an error saying %q", got, err, tt.wantErr)
			}
		})
	}
}

func TestFetchPinned(t *testing.T) {
	payload := bytes.Repeat([]byte("extra deb "), 1000)
	f := newFakeGitHub(t)
	f.add(&fakeRelease{tag: "v1.4.0", assets: []*fakeAsset{{name: "tool.deb", data: payload}}})
	c, _, _ := newTestClient(t, f, nil)
	ctx := context.Background()
	rel, err := c.PackageRelease(ctx, "v1.4.0")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, asset, sha string
		want             error
		wantInErr        string
	}{
		{name: "match", asset: "tool.deb", sha: sha256Hex(payload)},
		{name: "mismatch", asset: "tool.deb", sha: sha256Hex([]byte("other")), want: ErrChecksumMismatch, wantInErr: "the plan says"},
		{name: "not hex", asset: "tool.deb", sha: strings.Repeat("Z", 64), wantInErr: "64 lowercase hex"},
		{name: "missing asset", asset: "nope.deb", sha: sha256Hex(payload), wantInErr: "no asset nope.deb"},
		{name: "bad name", asset: "../x", sha: sha256Hex(payload), wantInErr: "bad asset name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			got, err := c.FetchPinned(ctx, rel, tt.asset, dir, tt.sha)
			entries, _ := os.ReadDir(dir)
			if tt.want == nil && tt.wantInErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if data, _ := os.ReadFile(got.Path); !bytes.Equal(data, payload) || len(entries) != 1 {
					t.Fatalf("fetched %+v, %d files in dir", got, len(entries))
				}
				return
			}
			if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) || !strings.Contains(err.Error(), tt.wantInErr) {
				t.Fatalf("err = %v, want %v saying %q", err, tt.want, tt.wantInErr)
			}
			if len(entries) != 0 {
				t.Errorf("failed fetch left %v behind", entries)
			}
		})
	}
}
