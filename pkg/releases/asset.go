package releases

import (
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/necoship/neco/pkg/model"
)

// ErrNoAsset is returned when a release lacks the asset a worker needs.
var ErrNoAsset = errors.New("releases: no such asset")

// SiteAsset returns the name of the one asset of rel that glob (config
// package-asset with the version filled in, a path.Match pattern) matches.
// None, or more than one, is an error naming what the release has: guessing
// which .deb to install is not something to do quietly.
func SiteAsset(rel model.Release, glob string) (string, error) {
	if _, err := path.Match(glob, ""); err != nil {
		return "", fmt.Errorf("asset pattern %q: %w", glob, err)
	}
	var found, all []string
	for _, a := range rel.Assets {
		all = append(all, a.Name)
		if ok, _ := path.Match(glob, a.Name); ok {
			found = append(found, a.Name)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return "", fmt.Errorf("%s: no asset matches %q (assets: %s): %w", rel.Tag, glob, names(all), ErrNoAsset)
	}
	return "", fmt.Errorf("%s: %d assets match %q (%s); want exactly one", rel.Tag, len(found), glob, names(found))
}

func names(ns []string) string {
	if len(ns) == 0 {
		return "none"
	}
	return strings.Join(ns, ", ")
}
