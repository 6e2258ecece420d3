package config

import (
	"errors"
	"fmt"
	"net/url"

	"github.com/necoship/neco/pkg/model"
)

// urlRule says what an absolute http(s) URL field accepts beyond the common
// checks (scheme http or https, a host).
type urlRule struct {
	// httpsOnly refuses plain http except to a loopback host: webhook URLs
	// carry their credential in the path, so they must not cross the
	// network unencrypted, but tests run local servers without TLS.
	httpsOnly bool
	// secret keeps the value out of error messages; url.Parse quotes its
	// whole input, which would leak a token in the path or a proxy password.
	secret bool
	// base refuses a query or fragment, which would be lost or misplaced
	// when API paths are joined onto the URL.
	base bool
}

// errBadSecretURL replaces url.Parse's error for secret values.
var errBadSecretURL = errors.New("not a valid URL (value not shown: it is secret)")

// checkURL parses raw as an absolute http or https URL with a host.
func checkURL(raw string, rule urlRule) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		if rule.secret {
			return nil, errBadSecretURL
		}
		return nil, err
	}
	if err := checkScheme(u, rule.httpsOnly); err != nil {
		return nil, err
	}
	if u.Hostname() == "" {
		return nil, errors.New("missing host")
	}
	if rule.base && (u.RawQuery != "" || u.ForceQuery || u.Fragment != "") {
		return nil, errors.New("must not have a query or fragment")
	}
	return u, nil
}

func checkScheme(u *url.URL, httpsOnly bool) error {
	want := "want http or https"
	if httpsOnly {
		want = "want https"
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if !httpsOnly || model.IsLoopbackHost(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("scheme \"http\" allowed only for 127.0.0.1, ::1 or localhost; %s", want)
	}
	// "host:2379" parses as scheme "host" with opaque "2379": the operator
	// forgot the scheme, and naming "host" as a scheme would mislead.
	if u.Scheme == "" || u.Opaque != "" {
		return fmt.Errorf("not an absolute URL; %s", want)
	}
	return fmt.Errorf("scheme %q not allowed; %s", u.Scheme, want)
}
