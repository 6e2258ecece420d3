package model

import (
	"errors"
	"fmt"
)

// MaxPrefixLen bounds a tag prefix; real prefixes are a word.
const MaxPrefixLen = 32

// ValidatePrefix reports whether p can be the PREFIX of a PREFIX-VERSION
// tag: ASCII letters, digits, '_' and '.', and no '-' (a tag's prefix ends
// at its first '-'). Config (release-prefixes) and tag parsing share it.
func ValidatePrefix(p string) error {
	if p == "" {
		return errors.New("empty prefix")
	}
	if len(p) > MaxPrefixLen {
		return fmt.Errorf("prefix longer than %d bytes", MaxPrefixLen)
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.'
		if !ok {
			return fmt.Errorf("prefix character %q not allowed (want [A-Za-z0-9_.]; a tag's prefix ends at its first '-')", c)
		}
	}
	return nil
}
