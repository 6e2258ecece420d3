package model

import (
	"errors"
	"fmt"
	"strings"
)

// MaxLRN bounds a boot server's logical rack number. A site has a few
// dozen boot servers; the bound keeps an LRN in every int, etcd key and
// metric label it goes into, and turns a typo such as
// 9223372036854775807 into an error rather than a server.
const MaxLRN = 65535

// MaxHostname is the longest hostname a boot server registers with: a
// DNS name's limit (RFC 1035), which is also what sethostname(2) and the
// other tools an operator uses to find the machine accept.
const MaxHostname = 253

// CheckLRN accepts 0..MaxLRN.
func CheckLRN(lrn int) error {
	if lrn < 0 || lrn > MaxLRN {
		return fmt.Errorf("lrn %d: want 0 to %d", lrn, MaxLRN)
	}
	return nil
}

// CheckHostname accepts what a boot server's name can be: 1 to
// MaxHostname bytes of letters, digits, '-', '.' and '_' (printable, no
// spaces, nothing a terminal or a log line would interpret).
func CheckHostname(host string) error {
	switch {
	case host == "":
		return errors.New("hostname: empty")
	case len(host) > MaxHostname:
		return fmt.Errorf("hostname: %d bytes, want at most %d", len(host), MaxHostname)
	}
	if i := strings.IndexFunc(host, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '_')
	}); i >= 0 {
		return fmt.Errorf("hostname %q: byte %d: want letters, digits, '-', '.' or '_'", host, i)
	}
	return nil
}
