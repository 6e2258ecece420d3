package mirror

import (
	"errors"
	"fmt"
	"strings"
)

// MaxNameLen bounds owner, repository, tag and asset names. Names become
// path elements and URL segments; 128 bytes is far above anything neco
// publishes and far below PATH_MAX.
const MaxNameLen = 128

// ErrInvalidName is wrapped by every error about a malformed owner,
// repository, tag or asset name.
var ErrInvalidName = errors.New("mirror: invalid name")

// checkName reports whether s is safe as a single path element and URL
// segment: ^[A-Za-z0-9][A-Za-z0-9._+~-]*$, at most MaxNameLen bytes.
//
// It is a byte loop rather than a regexp so that it allocates nothing on
// the request path; the fuzz test cross-checks it against the regexp.
func checkName(s string) error {
	switch {
	case s == "":
		return fmt.Errorf("%w: empty", ErrInvalidName)
	case len(s) > MaxNameLen:
		return fmt.Errorf("%w: %d bytes, longer than %d", ErrInvalidName, len(s), MaxNameLen)
	case !isAlnum(s[0]):
		return fmt.Errorf("%w %q: must start with a letter or digit", ErrInvalidName, s)
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if isAlnum(c) || c == '.' || c == '_' || c == '+' || c == '~' || c == '-' {
			continue
		}
		return fmt.Errorf("%w %q: character %q at %d not allowed (want [A-Za-z0-9._+~-])",
			ErrInvalidName, s, c, i)
	}
	return nil
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// splitRepo splits "owner/name" and validates both halves.
func splitRepo(repo string) (owner, name string, err error) {
	owner, name, ok := strings.Cut(repo, "/")
	if !ok {
		return "", "", fmt.Errorf("repository %q: %w: want owner/name", repo, ErrInvalidName)
	}
	if err := checkName(owner); err != nil {
		return "", "", fmt.Errorf("repository owner: %w", err)
	}
	if err := checkName(name); err != nil {
		return "", "", fmt.Errorf("repository name: %w", err)
	}
	return owner, name, nil
}
