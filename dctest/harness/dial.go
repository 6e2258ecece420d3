//go:build dctest

package harness

import (
	"context"
	"fmt"
	"net"
	"os"
	"runtime"

	"golang.org/x/sys/unix"
)

// DialContext connects from the bridge namespace, where the servers'
// addresses and HostIP are reachable, and returns a connection usable
// anywhere in the test process. Use it as the dialer of an http.Transport
// or a gRPC client (grpc.WithContextDialer).
//
// Why this works: a socket belongs to the network namespace of the thread
// that created it, for its whole life (see inBridge). Only IP addresses
// are dialled (a name would be resolved on other threads, in the host's
// namespace).
func (nw *Network) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	if err := checkIPAddr(addr); err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	return inBridge(nw, func() (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	})
}

// Listen listens on addr (HostIP:port) in the bridge namespace: the
// servers reach the listener as they reach a host service, while the test
// process serves it itself (a connection accepted from it belongs to the
// bridge namespace too, whichever thread accepts it). Close it before the
// cluster closes.
func (nw *Network) Listen(network, addr string) (net.Listener, error) {
	if err := checkIPAddr(addr); err != nil {
		return nil, fmt.Errorf("listen %s: %w", addr, err)
	}
	return inBridge(nw, func() (net.Listener, error) { return net.Listen(network, addr) })
}

func checkIPAddr(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if net.ParseIP(host) == nil {
		return fmt.Errorf("only IP addresses can be used in the run's network, not %q", host)
	}
	return nil
}

// inBridge runs create on a goroutine locked to its OS thread, which
// enters the bridge namespace, creates the socket, and goes back; a thread
// that cannot go back is never unlocked, so it dies with its goroutine
// instead of running other goroutines in the wrong namespace.
func inBridge[T any](nw *Network, create func() (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	go func() {
		v, err := inNamespace(netnsPath(nw.BridgeNamespace()), create)
		ch <- result{v, err}
	}()
	r := <-ch
	return r.v, r.err
}

func inNamespace[T any](nsPath string, create func() (T, error)) (T, error) {
	var zero T
	runtime.LockOSThread()
	orig, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		runtime.UnlockOSThread()
		return zero, err
	}
	defer orig.Close()
	target, err := os.Open(nsPath)
	if err != nil {
		runtime.UnlockOSThread()
		return zero, err
	}
	defer target.Close()
	if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
		runtime.UnlockOSThread()
		return zero, fmt.Errorf("setns %s: %w", nsPath, err)
	}
	v, err := create()
	if unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET) == nil {
		runtime.UnlockOSThread()
	}
	return v, err
}
