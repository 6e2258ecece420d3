// Package dctest holds the tests of neco as it is shipped and run, above
// the unit tests of each package: demo.sh (make demo) runs a single-server
// site from the built binaries, and package_test.go builds the Debian
// package with make deb and checks what it installs. They need system
// tools (dpkg-buildpackage, debhelper) and skip with a message where those
// are missing; .ci/run installs them, so CI never skips.
package dctest
