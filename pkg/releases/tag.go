package releases

import (
	"errors"
	"fmt"
	"strings"

	"github.com/necoship/neco/pkg/model"
)

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
	if err := model.ValidatePrefix(prefix); err != nil {
		return "", model.Version{}, fmt.Errorf("%w %q: %w", ErrInvalidTag, tag, err)
	}
	v, err = model.ParseVersion(rest)
	if err != nil {
		return "", model.Version{}, fmt.Errorf("%w %q: %w", ErrInvalidTag, tag, err)
	}
	return prefix, v, nil
}
