package config

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dustin/go-humanize"

	"github.com/necoship/neco/pkg/model"
)

// Per-key value parsers. Each takes a non-empty raw value and returns the
// typed value or an error that does not repeat the key (the caller adds it)
// and, for secret keys, does not repeat the value either.

var repoPartRE = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

// pgpPublicKeyHeader marks an ASCII-armored OpenPGP public key block; full
// parsing is left to the verifier, which owns the OpenPGP dependency.
const pgpPublicKeyHeader = "-----BEGIN PGP PUBLIC KEY BLOCK-----"

func parseRepo(v string) (string, error) {
	owner, name, ok := strings.Cut(v, "/")
	if !ok || strings.Contains(name, "/") {
		return "", fmt.Errorf("%q: want owner/name", v)
	}
	for _, p := range [...]string{owner, name} {
		if p == "." || p == ".." || !repoPartRE.MatchString(p) {
			return "", fmt.Errorf("%q: %q is not a valid owner or repository name (want [A-Za-z0-9_.-]+)", v, p)
		}
	}
	return v, nil
}

// parseAPIURL normalises to a trailing "/" because API clients resolve
// relative paths against it and would otherwise drop the last segment
// (".../api/v3" + "repos" -> ".../api/repos").
func parseAPIURL(v string) (string, error) {
	if _, err := checkURL(v, urlRule{base: true}); err != nil {
		return "", err
	}
	if !strings.HasSuffix(v, "/") {
		v += "/"
	}
	return v, nil
}

// parseToken refuses what cannot go in an Authorization header, which also
// catches the trailing newline of a token pasted from a file.
func parseToken(v string) (string, error) {
	for i := 0; i < len(v); i++ {
		if v[i] <= ' ' || v[i] >= 0x7f {
			return "", fmt.Errorf("byte %d: want printable ASCII without spaces (value not shown: it is secret)", i)
		}
	}
	return v, nil
}

// minWebhookSecret keeps a guessable secret from authenticating forged
// deliveries; GitHub accepts any length, so this is our floor.
const minWebhookSecret = 16

func parseWebhookSecret(v string) (string, error) {
	if _, err := parseToken(v); err != nil {
		return "", err
	}
	if len(v) < minWebhookSecret {
		return "", fmt.Errorf("at least %d characters, got %d", minWebhookSecret, len(v))
	}
	return v, nil
}

func parseProxy(v string) (string, error) {
	// secret: a proxy URL may carry a password.
	if _, err := checkURL(v, urlRule{secret: true}); err != nil {
		return "", err
	}
	return v, nil
}

// parseGateURL takes the Prometheus API root; it may carry basic-auth
// credentials, so errors never repeat it.
func parseGateURL(v string) (string, error) {
	if _, err := checkURL(v, urlRule{secret: true, base: true}); err != nil {
		return "", err
	}
	return v, nil
}

// maxGateAlerts bounds the regexp: a pattern of alert names is short.
const maxGateAlerts = 1024

// parseGateAlerts compiles the pattern anchored, so that "Etcd" holds on
// the alert Etcd and not on EtcdBackupLate.
func parseGateAlerts(v string) (*regexp.Regexp, error) {
	if len(v) > maxGateAlerts {
		return nil, fmt.Errorf("%d bytes, want at most %d", len(v), maxGateAlerts)
	}
	re, err := regexp.Compile("^(?:" + v + ")$")
	if err != nil {
		return nil, fmt.Errorf("not a regexp: %w", err)
	}
	return re, nil
}

func parseHookURL(v string) (string, error) {
	if _, err := checkURL(v, urlRule{httpsOnly: true, secret: true}); err != nil {
		return "", err
	}
	return v, nil
}

func parseDurationIn(v string, lo, hi time.Duration) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	switch {
	case err != nil:
		return 0, err
	case d < lo:
		return 0, fmt.Errorf("%s is below the minimum %s", d, lo)
	case hi > 0 && d > hi:
		return 0, fmt.Errorf("%s is above the maximum %s", d, hi)
	}
	return d, nil
}

// siteName is a site's short name: it ends up in a GitHub environment name
// and in Slack text, so it is kept to what needs no quoting anywhere.
var siteName = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$`)

func parseSiteName(v string) (string, error) {
	if !siteName.MatchString(v) {
		return "", fmt.Errorf("%q: want 1 to 32 lowercase letters, digits and -, not starting or ending with -", v)
	}
	return v, nil
}

// environmentName is a GitHub deployment environment as neco names them
// (model.DeploymentEnvironment): an env, or env-site.
var environmentName = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$`)

func parseEnvironmentName(v string) (string, error) {
	if !environmentName.MatchString(v) {
		return "", fmt.Errorf("%q: want an environment such as staging or staging-tokyo0 (lowercase letters, digits and -)", v)
	}
	return v, nil
}

func parseWindowScope(v string) (WindowScope, error) {
	switch w := WindowScope(v); w {
	case WindowScopeStart, WindowScopeWhole:
		return w, nil
	}
	return "", fmt.Errorf("%q: want start or whole", v)
}

func parseOnFailure(v string) (OnFailure, error) {
	switch o := OnFailure(v); o {
	case OnFailureStop, OnFailureRollback:
		return o, nil
	}
	return "", fmt.Errorf("%q: want stop or rollback", v)
}

// parseIntIn reads a decimal integer within [lo, hi].
func parseIntIn(v string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(v)
	switch {
	case err != nil:
		return 0, fmt.Errorf("%q: want an integer", v)
	case n < lo || n > hi:
		return 0, fmt.Errorf("%d is outside %d to %d", n, lo, hi)
	}
	return n, nil
}

// parseSizeIn reads a byte size such as 4GiB or 512MiB (go-humanize: SI
// and IEC units, case-insensitive) within [lo, hi].
func parseSizeIn(v string, lo, hi int64) (int64, error) {
	n, err := humanize.ParseBytes(v)
	switch {
	case err != nil:
		return 0, fmt.Errorf("%q: want a size such as 512MiB or 4GiB", v)
	case n < uint64(lo) || n > uint64(hi):
		return 0, fmt.Errorf("%s is outside %s to %s", v, humanize.IBytes(uint64(lo)), humanize.IBytes(uint64(hi)))
	}
	return int64(n), nil
}

func parseTimezone(v string) (*time.Location, error) {
	// "Local" is whatever each boot server's clock is set to: the same
	// window would open at different instants on different servers.
	if v == "Local" {
		return nil, errors.New(`"Local" not allowed; name a zone such as UTC or Asia/Tokyo`)
	}
	return time.LoadLocation(v)
}

// parsePrefixes parses a comma-separated list of tag prefixes.
func parsePrefixes(v string) ([]string, error) {
	parts := strings.Split(v, ",")
	out := make([]string, 0, len(parts))
	for i, p := range parts {
		p = strings.TrimSpace(p)
		switch {
		case p == "":
			return nil, fmt.Errorf("prefix %d is empty", i+1)
		case model.ValidatePrefix(p) != nil:
			return nil, fmt.Errorf("prefix %q: %w", p, model.ValidatePrefix(p))
		case slices.Contains(out, p):
			return nil, fmt.Errorf("prefix %q listed twice", p)
		}
		out = append(out, p)
	}
	return out, nil
}

func parseApproval(v string) (Approval, error) {
	switch a := Approval(v); a {
	case ApprovalAuto, ApprovalManual:
		return a, nil
	}
	return "", fmt.Errorf("unknown approval %q; want auto or manual", v)
}

func parsePackageAsset(v string) (string, error) {
	switch {
	case !strings.Contains(v, versionPlaceholder):
		return "", fmt.Errorf("%q: must contain %q", v, versionPlaceholder)
	case strings.Contains(v, "/"):
		return "", fmt.Errorf("%q: must not contain \"/\" (it matches an asset name, not a path)", v)
	}
	// path.Match checks the whole pattern even when the name does not match.
	if _, err := path.Match(v, ""); err != nil {
		return "", fmt.Errorf("%q: %w", v, err)
	}
	return v, nil
}

func parseSigningKeys(v string) (string, error) {
	if !strings.Contains(v, pgpPublicKeyHeader) {
		return "", fmt.Errorf("no %q line: want ASCII-armored OpenPGP public keys", pgpPublicKeyHeader)
	}
	return v, nil
}

func parseBool(v string) (bool, error) {
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("want true or false, got %q", v)
	}
	return b, nil
}
