// Package dctest holds the tests of neco as it is shipped and run, above
// the unit tests of each package. package_test.go builds the Debian
// package with make deb and checks what it installs (it needs
// dpkg-buildpackage and debhelper and skips with a message where those are
// missing; .ci/run installs them). Under the build tag dctest, the
// data-center test (make dctest, docs/dctest.md): scenarios that install
// that package on three systemd-nspawn boot servers (package harness) as a
// site (package site) and break things while releases roll out.
package dctest
