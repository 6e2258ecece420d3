package releases

import (
	"errors"
	"fmt"
	"strings"

	"github.com/necoship/neco/pkg/model"
)

// maxPrefixLen bounds a tag prefix; real prefixes are a word.
const maxPrefixLen = 32

// ErrInvalidTag is wrapped by every tag parse error.
var ErrInvalidTag = errors.New("releases: invalid tag")

// ParseTag splits a PREFIX-VERSION tag. The prefix is everything before the
// first '-' and must be ASCII letters, digits, '_' or '.'; the version is
// everything after it and must parse as a model.Version. Anything else,
// including shell metacharacters, is refused: tags end up in file names,
// URLs and etcd keys.
func ParseTag(tag string) (prefix string, v model.Version, err error) {
	prefix, rest, ok := strings.Cut(tag, "-")
	if !ok {
		return "", model.Version{}, fmt.Errorf("%w %q: want PREFIX-VERSION", ErrInvalidTag, tag)
	}
	if err := ValidatePrefix(prefix); err != nil {
		return "", model.Version{}, fmt.Errorf("%w %q: %w", ErrInvalidTag, tag, err)
	}
	v, err = model.ParseVersion(rest)
	if err != nil {
		return "", model.Version{}, fmt.Errorf("%w %q: %w", ErrInvalidTag, tag, err)
	}
	return prefix, v, nil
}

// ValidatePrefix reports whether p can be a tag prefix.
func ValidatePrefix(p string) error {
	if p == "" {
		return errors.New("empty prefix")
	}
	if len(p) > maxPrefixLen {
		return fmt.Errorf("prefix longer than %d bytes", maxPrefixLen)
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.'
		if !ok {
			return fmt.Errorf("prefix character %q not allowed (want [A-Za-z0-9_.])", c)
		}
	}
	return nil
}
