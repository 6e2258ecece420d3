package model

import (
	"encoding/json"
	"errors"
	"os/exec"
	"strings"
	"testing"
)

var comparePairs = []struct{ a, b string }{
	{"2026.11.23-10", "2026.11.23-9"},
	{"2026.11.23-1", "2026.11.23-1"},
	{"1.0~rc1", "1.0"},
	{"1.0~rc1", "1.0~rc2"},
	{"1.0~~", "1.0~"},
	{"1.0", "1.0-0"},
	{"1.0", "1.0.0"},
	{"1.0a", "1.0"},
	{"1.0a", "1.0+"},
	{"1.0+deb12u1", "1.0"},
	{"1.2.3", "1.10.0"},
	{"2026.11.23-1", "2026.11.3-1"},
	{"1.0-1", "1.0-1.1"},
	{"1.0-a", "1.0-1"},
	{"10", "9"},
	{"1.0-rc1", "1.0"},
	{"001", "1"},
	{"1A", "1a"},
	{"1.0.Z", "1.0.a"},
	{"1-2-3", "1-2"},
	{"999999999999999999", "999999999999999998"},
}

func TestVersionCompare(t *testing.T) {
	want := map[[2]string]int{
		{"2026.11.23-10", "2026.11.23-9"}: 1,
		{"2026.11.23-1", "2026.11.23-1"}:  0,
		{"1.0~rc1", "1.0"}:                -1,
		{"1.0", "1.0-0"}:                  0,
		{"1.2.3", "1.10.0"}:               -1,
		{"1.0+deb12u1", "1.0"}:            1,
	}
	for k, w := range want {
		if got := MustParseVersion(k[0]).Compare(MustParseVersion(k[1])); got != w {
			t.Errorf("Compare(%s, %s) = %d, want %d", k[0], k[1], got, w)
		}
	}
}

// TestVersionCompareAgreesWithDpkg holds the library to the reference
// implementation: the dpkg that installs our packages.
func TestVersionCompareAgreesWithDpkg(t *testing.T) {
	if _, err := exec.LookPath("dpkg"); err != nil {
		t.Skip("dpkg not installed: cannot compare with the reference ordering")
	}
	for _, p := range comparePairs {
		a, b := MustParseVersion(p.a), MustParseVersion(p.b)
		got := a.Compare(b)
		for op, holds := range map[string]bool{"lt": got < 0, "eq": got == 0, "gt": got > 0} {
			err := exec.Command("dpkg", "--compare-versions", p.a, op, p.b).Run()
			var ee *exec.ExitError
			if err != nil && !errors.As(err, &ee) {
				t.Fatal(err)
			}
			if dpkgSays := err == nil; dpkgSays != holds {
				t.Errorf("%s %s %s: dpkg says %v, we say %v", p.a, op, p.b, dpkgSays, holds)
			}
		}
	}
}

func TestParseVersionRejects(t *testing.T) {
	for _, s := range []string{
		"", "v1.0", "1.0-", "1:2.0", "1.0 ", "1;rm", "1.0/2", "1_0", "1é",
		strings.Repeat("1", 19), "1." + strings.Repeat("2", 64),
	} {
		if _, err := ParseVersion(s); !errors.Is(err, ErrInvalidVersion) {
			t.Errorf("ParseVersion(%q) err = %v, want ErrInvalidVersion", s, err)
		}
	}
}

func TestVersionJSON(t *testing.T) {
	var got struct{ V Version }
	if err := json.Unmarshal([]byte(`{"V":"2026.11.23-1"}`), &got); err != nil {
		t.Fatal(err)
	}
	if got.V.String() != "2026.11.23-1" {
		t.Errorf("got %q", got.V)
	}
	b, err := json.Marshal(got)
	if err != nil || string(b) != `{"V":"2026.11.23-1"}` {
		t.Errorf("Marshal = %s, %v", b, err)
	}
	if err := json.Unmarshal([]byte(`{"V":"1;rm"}`), &got); !errors.Is(err, ErrInvalidVersion) {
		t.Errorf("bad version in JSON: err = %v", err)
	}
	var zero Version
	if !zero.Less(MustParseVersion("0")) || zero.Compare(Version{}) != 0 {
		t.Error("zero Version must sort first and equal itself")
	}
}

// FuzzVersionCompare checks that Compare is a total order on what parses:
// reflexive, antisymmetric, and transitive through a third version.
func FuzzVersionCompare(f *testing.F) {
	for _, p := range comparePairs {
		f.Add(p.a, p.b, "1.0")
	}
	f.Fuzz(func(t *testing.T, a, b, c string) {
		va, errA := ParseVersion(a)
		vb, errB := ParseVersion(b)
		vc, errC := ParseVersion(c)
		if errA != nil || errB != nil || errC != nil {
			return
		}
		if va.Compare(va) != 0 {
			t.Fatalf("%q != itself", a)
		}
		if va.Compare(vb) != -vb.Compare(va) {
			t.Fatalf("Compare(%q,%q) not antisymmetric", a, b)
		}
		if va.Compare(vb) <= 0 && vb.Compare(vc) <= 0 && va.Compare(vc) > 0 {
			t.Fatalf("not transitive: %q <= %q <= %q but %q > %q", a, b, c, a, c)
		}
		if va.String() != a {
			t.Fatalf("String() = %q, want %q", va.String(), a)
		}
	})
}
