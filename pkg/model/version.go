package model

import (
	"errors"
	"fmt"

	debversion "github.com/knqyf263/go-deb-version"
)

// MaxVersionLen bounds a version string. Versions end up in file names,
// etcd keys and log lines; nothing legitimate comes close.
const MaxVersionLen = 64

// maxDigitRun bounds a run of digits: the comparison library converts digit
// runs to int and silently saturates on overflow, which would make two
// different versions compare equal.
const maxDigitRun = 18

// ErrInvalidVersion is wrapped by every version parse error.
var ErrInvalidVersion = errors.New("model: invalid version")

// Version is a release version compared with Debian version ordering
// (deb-version(7)): 2026.11.23-10 > 2026.11.23-9, 1.0~rc1 < 1.0.
//
// The accepted grammar is a strict subset of Debian's: no epoch (a colon is
// unsafe in file names and tags), ASCII alphanumerics and ".+~-" only,
// starting with a digit. The zero Version is invalid and sorts first.
type Version struct {
	raw    string
	parsed debversion.Version
}

// ParseVersion parses s, returning an error wrapping ErrInvalidVersion when
// s is not a version neco accepts.
func ParseVersion(s string) (Version, error) {
	if err := checkVersionSyntax(s); err != nil {
		return Version{}, fmt.Errorf("%w %q: %s", ErrInvalidVersion, s, err)
	}
	v, err := debversion.NewVersion(s)
	if err != nil {
		return Version{}, fmt.Errorf("%w %q: %s", ErrInvalidVersion, s, err)
	}
	return Version{raw: s, parsed: v}, nil
}

// MustParseVersion is ParseVersion for constants in tests and tables.
func MustParseVersion(s string) Version {
	v, err := ParseVersion(s)
	if err != nil {
		panic(err)
	}
	return v
}

func checkVersionSyntax(s string) error {
	switch {
	case s == "":
		return errors.New("empty")
	case len(s) > MaxVersionLen:
		return fmt.Errorf("longer than %d bytes", MaxVersionLen)
	case s[0] < '0' || s[0] > '9':
		return errors.New("must start with a digit")
	case s[len(s)-1] == '-':
		return errors.New("must not end with '-'")
	}
	run := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			run++
			if run > maxDigitRun {
				return fmt.Errorf("more than %d consecutive digits", maxDigitRun)
			}
			continue
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '.', c == '+', c == '~', c == '-':
		default:
			return fmt.Errorf("character %q at %d not allowed (want [0-9A-Za-z.+~-])", c, i)
		}
		run = 0
	}
	return nil
}

// String returns the version exactly as it was parsed.
func (v Version) String() string { return v.raw }

// IsZero reports whether v is the zero (unset) Version.
func (v Version) IsZero() bool { return v.raw == "" }

// Compare returns -1, 0 or +1 as v sorts before, equal to or after w.
// The zero Version sorts before every valid one.
func (v Version) Compare(w Version) int {
	switch {
	case v.IsZero() && w.IsZero():
		return 0
	case v.IsZero():
		return -1
	case w.IsZero():
		return 1
	}
	c := v.parsed.Compare(w.parsed)
	switch {
	case c < 0:
		return -1
	case c > 0:
		return 1
	}
	return 0
}

// Less reports whether v sorts before w.
func (v Version) Less(w Version) bool { return v.Compare(w) < 0 }

// Equal reports whether v and w are the same version by Debian ordering
// (1.0 and 1.0-0 are equal).
func (v Version) Equal(w Version) bool { return v.Compare(w) == 0 }

// MarshalText encodes v as its string form.
func (v Version) MarshalText() ([]byte, error) { return []byte(v.raw), nil }

// UnmarshalText parses a version; an empty text gives the zero Version.
func (v *Version) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*v = Version{}
		return nil
	}
	p, err := ParseVersion(string(b))
	if err != nil {
		return err
	}
	*v = p
	return nil
}
