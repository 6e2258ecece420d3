package plan

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
)

// The names in a plan end up in etcd keys (install/<LRN>/debs/<name>,
// contents/<name>), file names and systemd calls, so each has a grammar
// rather than "any string".

var (
	// debNameRE is Debian's package name grammar (Debian Policy 5.6.1).
	debNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9+.-]+$`)
	// repoPartRE is what GitHub allows in an owner or repository name.
	repoPartRE   = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)
	sha256RE     = regexp.MustCompile(`^[0-9a-f]{64}$`)
	imageNameRE  = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)
	onceNameRE   = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	unitCharsRE  = regexp.MustCompile(`^[A-Za-z0-9:_.@-]+$`)
	unitSuffixes = []string{".service", ".socket", ".timer", ".target", ".path", ".mount"}
)

const (
	maxNameLen = 128
	// maxOnceNameLen keeps contents/<name> a short etcd key.
	maxOnceNameLen = 63
	// maxUnitLen is systemd's own limit (UNIT_NAME_MAX).
	maxUnitLen = 256
	// maxFileNameLen is what a Linux file system takes.
	maxFileNameLen = 255
)

func checkDebName(s string) error {
	if len(s) > maxNameLen || !debNameRE.MatchString(s) {
		return fmt.Errorf("%s: want a Debian package name ([a-z0-9][a-z0-9+.-]+, at most %d characters)", quoteShort(s), maxNameLen)
	}
	return nil
}

func checkRepo(s string) error {
	owner, name, ok := strings.Cut(s, "/")
	if !ok || strings.Contains(name, "/") {
		return fmt.Errorf("%s: want owner/name", quoteShort(s))
	}
	for _, part := range []string{owner, name} {
		if part == "." || part == ".." || len(part) > 100 || !repoPartRE.MatchString(part) {
			return fmt.Errorf("%s: %s is not a valid owner or repository name (want [A-Za-z0-9_.-]+)", quoteShort(s), quoteShort(part))
		}
	}
	return nil
}

// checkTag accepts any tag GitHub could have made; it only keeps out what
// would break a URL or a log line.
func checkTag(s string) error {
	if len(s) > maxFileNameLen {
		return fmt.Errorf("longer than %d bytes", maxFileNameLen)
	}
	if strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return fmt.Errorf("%s: must not contain spaces or control characters", quoteShort(s))
	}
	return nil
}

// checkAsset wants a plain file name: the worker downloads the asset under
// this name, so a path ("../x.deb") must not get that far.
func checkAsset(s string) error {
	switch {
	case len(s) > maxFileNameLen:
		return fmt.Errorf("longer than %d bytes", maxFileNameLen)
	case strings.ContainsAny(s, "/\\") || strings.HasPrefix(s, "."):
		return fmt.Errorf("%s: want a plain file name, not a path", quoteShort(s))
	case strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		return fmt.Errorf("%s: must not contain spaces or control characters", quoteShort(s))
	case !strings.HasSuffix(s, ".deb"):
		return fmt.Errorf("%s: want a file name ending in .deb", quoteShort(s))
	}
	return nil
}

func checkSHA256(s string) error {
	if !sha256RE.MatchString(s) {
		return fmt.Errorf("%s: want 64 lowercase hex digits", quoteShort(s))
	}
	return nil
}

func checkImageName(s string) error {
	if len(s) > maxNameLen || !imageNameRE.MatchString(s) {
		return fmt.Errorf("%s: want [a-z0-9][a-z0-9._-]*, at most %d characters", quoteShort(s), maxNameLen)
	}
	return nil
}

func checkOnceName(s string) error {
	if len(s) > maxOnceNameLen || !onceNameRE.MatchString(s) {
		return fmt.Errorf("%s: want [a-z0-9][a-z0-9-]*, at most %d characters", quoteShort(s), maxOnceNameLen)
	}
	return nil
}

// checkUnit accepts the unit names neco can restart: systemd's character
// set, a suffix of a unit type that can be restarted, and no template
// without an instance ("getty@.service" names no unit that runs).
func checkUnit(s string) error {
	if len(s) > maxUnitLen {
		return fmt.Errorf("longer than %d characters", maxUnitLen)
	}
	if !unitCharsRE.MatchString(s) {
		return fmt.Errorf("%s: want a systemd unit name ([A-Za-z0-9:_.@-]+)", quoteShort(s))
	}
	stem, ok := "", false
	for _, suffix := range unitSuffixes {
		if stem, ok = strings.CutSuffix(s, suffix); ok {
			break
		}
	}
	switch {
	case !ok:
		return fmt.Errorf("%q: want a unit ending in %s", s, strings.Join(unitSuffixes, ", "))
	case stem == "" || strings.HasPrefix(stem, "@"):
		return fmt.Errorf("%q: no name before the suffix", s)
	case strings.HasSuffix(stem, "@"):
		return fmt.Errorf("%q is a template; name an instance (like name@instance%s)", s, s[len(stem):])
	}
	return nil
}
