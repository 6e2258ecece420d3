package model

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
)

// ErrTokenInClear: a GitHub token would be sent unencrypted to another
// machine.
var ErrTokenInClear = errors.New("model: a GitHub token would cross the network in clear")

// CheckTokenURL is the rule every GitHub client of neco follows, and the
// one `neco config set` applies before storing: with a token, the API root
// is https://, unless its host is this machine (a mirror on loopback).
// Without a token any URL will do: an air-gapped mirror on another
// machine needs none. It lives here, below both pkg/config and
// pkg/releases, so that both apply the same rule.
func CheckTokenURL(apiURL string, hasToken bool) error {
	if !hasToken {
		return nil
	}
	u, err := url.Parse(apiURL)
	if err != nil {
		return fmt.Errorf("github-api-url: %w", err)
	}
	if strings.EqualFold(u.Scheme, "https") || IsLoopbackHost(u.Hostname()) {
		return nil
	}
	return fmt.Errorf("github-api-url %s: %w: use https://, or a mirror on this machine (127.0.0.1)",
		u.Redacted(), ErrTokenInClear)
}

// IsLoopbackHost says whether host names this machine without a lookup:
// "localhost" itself (not a name that merely resolves to 127.0.0.1, which
// a resolver could answer otherwise), 127.0.0.0/8 or ::1.
func IsLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}
