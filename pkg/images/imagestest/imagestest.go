// Package imagestest starts a real containerd and a real docker-registry
// on loopback for tests, and pushes test images.
//
// Each test gets its own daemons, in its own temp dirs, stopped when the
// test ends; nothing is shared with the host's containerd or with other
// tests. Only _test.go files import it; it is a normal package so that
// the tests of other packages (the worker's) run the same daemons as
// pkg/images does. It does not import the containerd client: pkg/images
// is the only package that does, and tests that need a client get one
// from pkg/images.
package imagestest

import (
	"net"
	"os"
	"testing"
)

// The Debian packages' binaries. Tests skip, naming the package, when one
// is missing.
const (
	containerdBin = "/usr/bin/containerd"
	registryBin   = "/usr/bin/docker-registry"
)

// Env is a containerd and a docker-registry of one test, both on loopback
// and in the test's temp dirs.
type Env struct {
	// Socket is containerd's gRPC socket: images.Options.Address.
	Socket string
	// Registry is docker-registry's host:port. It speaks plain HTTP, so
	// a Puller pulling from it must list it in Options.PlainHTTP.
	Registry string
}

// Start starts containerd and docker-registry; both stop when t ends and
// their logs are printed if t failed. It skips t, naming the Debian
// package, when either binary is missing, before starting anything.
func Start(t testing.TB) *Env {
	t.Helper()
	needBinary(t, containerdBin, "containerd")
	needBinary(t, registryBin, "docker-registry")
	return &Env{Socket: StartContainerd(t), Registry: StartRegistry(t)}
}

func needBinary(t testing.TB, bin, pkg string) {
	t.Helper()
	if _, err := os.Stat(bin); err != nil {
		t.Skipf("%s not found: install the Debian package %s", bin, pkg)
	}
}

// Pinned spells the digest-pinned ref HOST/REPO:TAG@DIGEST, the form a
// plan writes and images.Puller requires. host need not be where the
// image was pushed: a test may pin it on a proxy or a mirror.
func Pinned(host, repo, tag, digest string) string {
	return host + "/" + repo + ":" + tag + "@" + digest
}

// FreeAddr returns a loopback host:port nobody listens on right now: an
// address for a daemon to bind, or for a registry that refuses
// connections. Another process may take it before it is used; on
// loopback in a test that risk is accepted.
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}
