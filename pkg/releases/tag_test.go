package releases

import (
	"errors"
	"strings"
	"testing"
)

func TestParseTag(t *testing.T) {
	tests := []struct {
		tag        string
		wantPrefix string
		wantVer    string
		wantErr    bool
	}{
		{tag: "release-2026.11.23-1", wantPrefix: "release", wantVer: "2026.11.23-1"},
		{tag: "release-2026.11.23-10", wantPrefix: "release", wantVer: "2026.11.23-10"},
		{tag: "test-1.0~rc1", wantPrefix: "test", wantVer: "1.0~rc1"},
		{tag: "rel_2.x-1.2+deb12u1", wantPrefix: "rel_2.x", wantVer: "1.2+deb12u1"},
		{tag: "release-1;rm -rf /", wantErr: true},
		{tag: "release-1 ", wantErr: true},
		{tag: "release-$(id)", wantErr: true},
		{tag: "release-1.0/../../etc", wantErr: true},
		{tag: "release-1:2.0", wantErr: true}, // epochs are refused
		{tag: "release-", wantErr: true},
		{tag: "release-v1.0", wantErr: true}, // must start with a digit
		{tag: "release-1.0-", wantErr: true},
		{tag: "-1.0", wantErr: true},
		{tag: "release", wantErr: true},
		{tag: "v1.2.3", wantErr: true},
		{tag: "", wantErr: true},
		{tag: "réléase-1.0", wantErr: true},
		{tag: "release-1.0\n", wantErr: true},
		{tag: "release-" + strings.Repeat("9", 19), wantErr: true},
		{tag: strings.Repeat("p", 33) + "-1.0", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.tag, func(t *testing.T) {
			prefix, v, err := ParseTag(tt.tag)
			if tt.wantErr {
				if !errors.Is(err, ErrInvalidTag) {
					t.Fatalf("ParseTag(%q) = %q, %q, %v; want ErrInvalidTag", tt.tag, prefix, v, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if prefix != tt.wantPrefix || v.String() != tt.wantVer {
				t.Errorf("ParseTag(%q) = %q, %q; want %q, %q", tt.tag, prefix, v, tt.wantPrefix, tt.wantVer)
			}
		})
	}
}

// FuzzParseTag checks that whatever parses is safe to use as a file name
// and URL path element, and that parsing is stable.
func FuzzParseTag(f *testing.F) {
	for _, s := range []string{"release-2026.11.23-1", "test-1.0~rc1", "release-1;rm -rf /", "a-0", "release-1:2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tag string) {
		prefix, v, err := ParseTag(tag)
		if err != nil {
			return
		}
		if prefix+"-"+v.String() != tag {
			t.Fatalf("ParseTag(%q) = %q + %q does not rebuild the tag", tag, prefix, v)
		}
		if strings.ContainsAny(tag, "/\\ ;$`'\"\n\t:*?<>|&()") {
			t.Fatalf("ParseTag accepted unsafe tag %q", tag)
		}
		p2, v2, err := ParseTag(tag)
		if err != nil || p2 != prefix || !v2.Equal(v) {
			t.Fatalf("ParseTag(%q) not stable", tag)
		}
	})
}
