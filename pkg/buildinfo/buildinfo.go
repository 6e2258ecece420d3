// Package buildinfo owns the version of the neco binaries themselves (not
// of the site releases they roll out).
package buildinfo

import "runtime/debug"

// Version is set at link time by the Makefile and the Debian package:
// -ldflags "-X github.com/necoship/neco/pkg/buildinfo.Version=1.2.3".
var Version = ""

// String returns the link-time version, else the module version Go
// recorded, else "devel".
func String() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}
