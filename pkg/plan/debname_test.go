package plan

import (
	"strings"
	"testing"
)

func TestDebAssetVersion(t *testing.T) {
	tests := []struct {
		name, asset string
		want        string // "" = not known from the name
	}{
		{"etcdpasswd", "etcdpasswd_1.4.0_amd64.deb", "1.4.0"},
		{"neco", "neco_2026.11.23-1_all.deb", "2026.11.23-1"},
		{"neco", "neco_1.2.0+git5a3c_amd64.deb", "1.2.0+git5a3c"},
		{"neco", "neco-1.2.0.deb", ""},           // not NAME_VERSION_ARCH
		{"neco", "necoship_1.2.0_amd64.deb", ""}, // another package's name
		{"neco", "neco_1.2.0_amd64.tar.gz", ""},
		{"neco", "neco_1.2.0.deb", ""}, // no architecture
		{"neco", "neco__amd64.deb", ""},
		{"neco", "neco_1.2.0_.deb", ""},
		{"neco", "neco_not a version_amd64.deb", ""},
	}
	for _, tt := range tests {
		v, ok := Deb{Name: tt.name, Asset: tt.asset}.AssetVersion()
		if got := v.String(); got != tt.want || ok != (tt.want != "") {
			t.Errorf("%s %s: version %q ok %v, want %q", tt.name, tt.asset, got, ok, tt.want)
		}
	}
}

// FuzzDebAssetVersion: a version read from a name is the name's middle
// part, and rebuilding the name from it gives the asset back.
func FuzzDebAssetVersion(f *testing.F) {
	f.Add("neco", "neco_1.2.0_amd64.deb")
	f.Add("a", "a_1:2.0~rc1-3_all.deb")
	f.Add("x", "x__.deb")
	f.Fuzz(func(t *testing.T, name, asset string) {
		v, ok := Deb{Name: name, Asset: asset}.AssetVersion()
		if !ok {
			return
		}
		arch, found := strings.CutPrefix(asset, name+"_"+v.String()+"_")
		if !found || !strings.HasSuffix(arch, ".deb") || arch == ".deb" {
			t.Fatalf("%q from %q (name %q)", v, asset, name)
		}
	})
}
