package mirror

import (
	"errors"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestCheckName(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"release-2026.11.23-1", true},
		{"neco_2026.11.23-1_amd64.deb", true},
		{"SHA256SUMS.sig", true},
		{"1.0~rc1+build.2", true},
		{"a..b", true}, // dots inside a name are one path element still
		{strings.Repeat("a", MaxNameLen), true},
		{strings.Repeat("a", MaxNameLen+1), false},
		{"", false},
		{".", false},
		{"..", false},
		{"../x", false},
		{".hidden", false},
		{"a/b", false},
		{`a\b`, false},
		{"-rf", false},
		{"release-1;rm -rf /", false},
		{"with space", false},
		{"nul\x00byte", false},
		{"tab\t", false},
		{"ünicode", false},
		{"a%2Fb", false},
	}
	for _, tt := range tests {
		err := checkName(tt.name)
		if (err == nil) != tt.ok {
			t.Errorf("checkName(%q) = %v, want ok=%v", tt.name, err, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrInvalidName) {
			t.Errorf("checkName(%q) = %v, not ErrInvalidName", tt.name, err)
		}
	}
}

// nameRE is the specification checkName implements by hand.
var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+~-]*$`)

// FuzzCheckName cross-checks checkName against its regexp and checks the
// property the mirror relies on: an accepted name is exactly one path
// element that cannot climb out of its directory or hide.
func FuzzCheckName(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		err := checkName(s)
		want := nameRE.MatchString(s) && len(s) <= MaxNameLen
		if (err == nil) != want {
			t.Fatalf("checkName(%q) = %v, regexp says ok=%v", s, err, want)
		}
		if err != nil {
			if !errors.Is(err, ErrInvalidName) {
				t.Fatalf("checkName(%q) = %v, not ErrInvalidName", s, err)
			}
			return
		}
		if filepath.Base(s) != s || filepath.Clean(s) != s || s == "." || s == ".." ||
			strings.HasPrefix(s, ".") || strings.ContainsAny(s, "/\\\x00") {
			t.Fatalf("checkName accepted unsafe path element %q", s)
		}
		if joined := filepath.Join("/mirror", s); filepath.Dir(joined) != "/mirror" {
			t.Fatalf("checkName(%q) escapes: %s", s, joined)
		}
	})
}

// TestSplitRepo checks the owner/name split used by Publish and Sync.
func TestSplitRepo(t *testing.T) {
	for _, tt := range []struct {
		repo, owner, name string
		ok                bool
	}{
		{"cybozu-go/neco", "cybozu-go", "neco", true},
		{"neco", "", "", false},
		{"a/b/c", "", "", false},
		{"/neco", "", "", false},
		{"a/", "", "", false},
		{"../x", "", "", false},
	} {
		owner, name, err := splitRepo(tt.repo)
		if (err == nil) != tt.ok || owner != tt.owner || name != tt.name {
			t.Errorf("splitRepo(%q) = %q, %q, %v", tt.repo, owner, name, err)
		}
	}
}
