package plan

import (
	"strings"

	"github.com/necoship/neco/pkg/model"
)

// AssetVersion reads the package version from the asset's file name when it
// follows Debian's NAME_VERSION_ARCH.deb convention for this package
// (dpkg-name, dpkg-buildpackage). `neco plan` uses it to say which version
// an extra package moves to without downloading it; ok is false when the
// name does not follow the convention, and the version is known only once
// the worker has the file.
func (d Deb) AssetVersion() (v model.Version, ok bool) {
	rest, found := strings.CutPrefix(d.Asset, d.Name+"_")
	if !found {
		return model.Version{}, false
	}
	rest, found = strings.CutSuffix(rest, ".deb")
	if !found {
		return model.Version{}, false
	}
	i := strings.LastIndexByte(rest, '_')
	if i <= 0 || i == len(rest)-1 {
		return model.Version{}, false
	}
	v, err := model.ParseVersion(rest[:i])
	if err != nil {
		return model.Version{}, false
	}
	return v, true
}
