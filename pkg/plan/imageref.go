package plan

import (
	"fmt"
	"regexp"
	"strings"
)

// The image reference grammar follows github.com/distribution/reference,
// narrowed to what the worker pulls: a registry host is required (containerd,
// unlike docker, assumes none) and so is a sha256 digest (a tag alone can
// move between two servers' pulls).
const (
	hostLabel     = `(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])`
	hostPattern   = hostLabel + `(?:\.` + hostLabel + `)*(?::[0-9]+)?`
	repoComponent = `[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*`
	// maxImageNameLen is distribution's limit on REGISTRY/REPO.
	maxImageNameLen = 255
	// refForm is quoted in every error so the author sees what is wanted.
	refForm = "REGISTRY/REPO[:TAG]@sha256:<64 hex>"
)

var (
	hostRE     = regexp.MustCompile(`^` + hostPattern + `$`)
	repoPathRE = regexp.MustCompile(`^` + repoComponent + `(?:/` + repoComponent + `)*$`)
	imageTagRE = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)
	digestRE   = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
)

func checkImageRef(ref string) error {
	q := quoteShort(ref)
	name, digest, ok := strings.Cut(ref, "@")
	if !ok {
		return fmt.Errorf("%s: must be pinned by digest (%s)", q, refForm)
	}
	if !digestRE.MatchString(digest) {
		return fmt.Errorf("%s: digest must be sha256: and 64 lowercase hex digits (%s)", q, refForm)
	}
	// A colon after the last slash starts the tag; one before it is the
	// registry's port.
	if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
		if tag := name[i+1:]; !imageTagRE.MatchString(tag) {
			return fmt.Errorf("%s: invalid tag %s (%s)", q, quoteShort(tag), refForm)
		}
		name = name[:i]
	}
	host, path, ok := strings.Cut(name, "/")
	switch {
	case len(name) > maxImageNameLen:
		return fmt.Errorf("%s: name longer than %d characters", q, maxImageNameLen)
	case !ok || !hostRE.MatchString(host) || !(strings.ContainsAny(host, ".:") || host == "localhost"):
		return fmt.Errorf("%s: must start with a registry host, like registry.example/ (%s)", q, refForm)
	case !repoPathRE.MatchString(path):
		return fmt.Errorf("%s: invalid repository %s: lowercase [a-z0-9] words separated by . _ - or / (%s)", q, quoteShort(path), refForm)
	}
	return nil
}
