package config

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// The cluster keys of image pulls: registry-credentials (secret) and
// no-proxy. Errors name the registry host and the field, never a username
// or password, and never yaml.v3's own text, which may quote the input.

// RegistryCredential is the username and password neco-worker sends to
// one container registry (HTTP basic auth, or to the registry's token
// service on the same host).
type RegistryCredential struct {
	Username string
	Password string
}

// String keeps the password out of anything that prints a Cluster with
// %v or %+v: a log line or an error must never carry it.
func (c RegistryCredential) String() string {
	return "{" + c.Username + " " + Redacted + "}"
}

// GoString does the same for %#v.
func (c RegistryCredential) GoString() string {
	return "config.RegistryCredential{Username:" + strconv.Quote(c.Username) + ", Password:" + strconv.Quote(Redacted) + "}"
}

// Bounds of registry-credentials. A site has a handful of registries; a
// password may be a long token (a cloud key file squeezed into a line).
const (
	maxRegistryCredentials = 64 << 10
	maxRegistryUsername    = 256
	maxRegistryPassword    = 16 << 10
	maxNoProxy             = 4 << 10
)

// syntaxLineRE finds the line in yaml.v3's syntax errors, which may quote
// the input: only the line is kept.
var syntaxLineRE = regexp.MustCompile(`line (\d+)`)

// parseRegistryCredentials reads the YAML mapping
//
//	registry.example:           # host or host:port, exactly as refs spell it
//	  username: robot
//	  password: s3cret
//
// walking yaml.Node instead of decoding into a struct so that no decoder
// message, which quotes values, can reach an error.
func parseRegistryCredentials(v string) (map[string]RegistryCredential, error) {
	if len(v) > maxRegistryCredentials {
		return nil, fmt.Errorf("%d bytes, want at most %d", len(v), maxRegistryCredentials)
	}
	root, err := singleYAMLDocument(v)
	if err != nil {
		return nil, err
	}
	if root.Kind != yaml.MappingNode || root.Style&yaml.TaggedStyle != 0 {
		return nil, fmt.Errorf("line %d: want a mapping of registry host[:port] to {username, password}", root.Line)
	}
	out := make(map[string]RegistryCredential, len(root.Content)/2)
	for i := 0; i+1 < len(root.Content); i += 2 {
		host, err := registryKey(root.Content[i])
		if err != nil {
			return nil, err
		}
		if _, dup := out[host]; dup {
			return nil, fmt.Errorf("%s: listed twice (line %d)", host, root.Content[i].Line)
		}
		c, err := parseCredential(root.Content[i+1])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", host, err)
		}
		out[host] = c
	}
	if len(out) == 0 {
		return nil, errors.New("no registries: to remove every credential, unset the key")
	}
	return out, nil
}

// singleYAMLDocument parses v, which must hold exactly one document.
func singleYAMLDocument(v string) (*yaml.Node, error) {
	dec := yaml.NewDecoder(strings.NewReader(v))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		return nil, yamlSyntax(err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, errors.New("more than one YAML document")
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, errors.New("not a YAML document")
	}
	return doc.Content[0], nil
}

func yamlSyntax(err error) error {
	if m := syntaxLineRE.FindStringSubmatch(err.Error()); m != nil {
		return fmt.Errorf("line %s: not valid YAML (details not shown: the value is secret)", m[1])
	}
	return errors.New("not valid YAML (details not shown: the value is secret)")
}

// registryKey returns a mapping key that is a registry host. A key that
// is not one is not repeated: a misplaced password could stand there.
func registryKey(n *yaml.Node) (string, error) {
	if n.Kind == yaml.ScalarNode && n.Style&yaml.TaggedStyle == 0 && checkRegistryHostPort(n.Value) == nil {
		return n.Value, nil
	}
	return "", fmt.Errorf("line %d: a key is not a registry host or host:port in lowercase, as refs spell it (no scheme, no path)", n.Line)
}

// parseCredential reads one registry's {username, password}.
func parseCredential(n *yaml.Node) (RegistryCredential, error) {
	if n.Kind != yaml.MappingNode || n.Style&yaml.TaggedStyle != 0 {
		return RegistryCredential{}, fmt.Errorf("line %d: want a mapping with username and password", n.Line)
	}
	var c RegistryCredential
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		var dst *string
		switch k.Value {
		case "username":
			dst = &c.Username
		case "password":
			dst = &c.Password
		default:
			// Not quoted: in a flow mapping, "{username: u, s3cret}" makes
			// the password a key.
			return RegistryCredential{}, fmt.Errorf("line %d, column %d: unknown field; want only username and password", k.Line, k.Column)
		}
		if *dst != "" {
			return RegistryCredential{}, fmt.Errorf("%s: given twice (line %d)", k.Value, k.Line)
		}
		s, err := credentialScalar(val)
		if err != nil {
			return RegistryCredential{}, fmt.Errorf("%s: %w", k.Value, err)
		}
		*dst = s
	}
	if err := checkUsername(c.Username); err != nil {
		return RegistryCredential{}, fmt.Errorf("username: %w", err)
	}
	if err := checkPassword(c.Password); err != nil {
		return RegistryCredential{}, fmt.Errorf("password: %w", err)
	}
	return c, nil
}

// credentialScalar takes a plain or quoted scalar's text as written: a
// password "0x10" or "true" is those characters, not a number or a bool.
func credentialScalar(n *yaml.Node) (string, error) {
	switch {
	case n.Kind != yaml.ScalarNode:
		return "", fmt.Errorf("line %d: want a string", n.Line)
	case n.Style&yaml.TaggedStyle != 0:
		return "", fmt.Errorf("line %d: no YAML tags here", n.Line)
	case n.ShortTag() == "!!null":
		return "", nil
	}
	return n.Value, nil
}

func checkUsername(u string) error {
	switch {
	case u == "":
		return errors.New("missing or empty")
	case len(u) > maxRegistryUsername:
		return fmt.Errorf("longer than %d bytes", maxRegistryUsername)
	case strings.Contains(u, ":"):
		// Basic auth joins them with ":" and splits at the first one.
		return errors.New(`must not contain ":"`)
	}
	return checkCredentialText(u)
}

func checkPassword(p string) error {
	switch {
	case p == "":
		return errors.New("missing or empty")
	case len(p) > maxRegistryPassword:
		return fmt.Errorf("longer than %d bytes", maxRegistryPassword)
	}
	return checkCredentialText(p)
}

// checkCredentialText refuses what cannot travel in a header or a form
// intact, such as the line break of a block scalar.
func checkCredentialText(s string) error {
	if !utf8.ValidString(s) {
		return errors.New("not UTF-8 (value not shown: it is secret)")
	}
	for _, r := range s {
		if r < ' ' || r == 0x7f {
			return errors.New("holds a control character or line break (value not shown: it is secret)")
		}
	}
	return nil
}

// hostLabelsRE is a DNS name or IPv4 address in lowercase, as an image
// ref spells its registry.
var hostLabelsRE = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$`)

// checkRegistryHostPort accepts "host", "host:port" and "[v6]:port".
func checkRegistryHostPort(h string) error {
	host, port := h, ""
	if i := strings.LastIndexByte(h, ':'); i >= 0 && !strings.HasSuffix(h, "]") {
		host, port = h[:i], h[i+1:]
	}
	if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		if a, err := netip.ParseAddr(host[1 : len(host)-1]); err != nil || !a.Is6() {
			return fmt.Errorf("%q: not an IPv6 address in brackets", h)
		}
	} else if !hostLabelsRE.MatchString(host) {
		return fmt.Errorf("%q: want a lowercase host or host:port", h)
	}
	if port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 || port[0] == '0' {
			return fmt.Errorf("%q: port must be 1 to 65535", h)
		}
	}
	return nil
}

// parseNoProxy checks a NO_PROXY-style list: "*", IPs, CIDRs, and host
// names with an optional port, where "example.com" also covers its
// subdomains and ".example.com" only them. It returns the entries joined
// by "," without spaces.
func parseNoProxy(v string) (string, error) {
	if len(v) > maxNoProxy {
		return "", fmt.Errorf("%d bytes, want at most %d", len(v), maxNoProxy)
	}
	parts := strings.Split(v, ",")
	for i, p := range parts {
		p = strings.TrimSpace(p)
		if err := checkNoProxyEntry(p); err != nil {
			return "", fmt.Errorf("entry %d: %w", i+1, err)
		}
		parts[i] = p
	}
	return strings.Join(parts, ","), nil
}

func checkNoProxyEntry(p string) error {
	switch {
	case p == "":
		return errors.New("empty")
	case p == "*":
		return nil
	case strings.Contains(p, "/"):
		if _, _, err := net.ParseCIDR(p); err != nil {
			return fmt.Errorf("%q: not a CIDR such as 10.0.0.0/8", p)
		}
		return nil
	}
	if _, err := netip.ParseAddr(p); err == nil {
		return nil
	}
	name := p
	if strings.HasPrefix(name, "*.") {
		name = name[1:]
	}
	name = strings.TrimPrefix(name, ".")
	if err := checkRegistryHostPort(strings.ToLower(name)); err != nil {
		return fmt.Errorf("%q: want *, an IP, a CIDR, or a host or .domain with an optional :port", p)
	}
	return nil
}
