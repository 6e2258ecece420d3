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
// that created it, for its whole life. The dial runs on a goroutine locked
// to its OS thread, which enters the namespace, creates and connects the
// socket, and goes back; a thread that cannot go back is never unlocked,
// so it dies with its goroutine instead of running other goroutines in the
// wrong namespace. Only IP addresses are dialled (a name would be resolved
// on other threads, in the host's namespace).
func (nw *Network) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	type result struct {
		conn net.Conn
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		conn, err := dialIn(ctx, netnsPath(nw.BridgeNamespace()), network, addr)
		ch <- result{conn, err}
	}()
	r := <-ch
	return r.conn, r.err
}

func dialIn(ctx context.Context, nsPath, network, addr string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if net.ParseIP(host) == nil {
		return nil, fmt.Errorf("dial %s in %s: only IP addresses can be dialled", addr, nsPath)
	}
	runtime.LockOSThread()
	orig, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		runtime.UnlockOSThread()
		return nil, err
	}
	defer orig.Close()
	target, err := os.Open(nsPath)
	if err != nil {
		runtime.UnlockOSThread()
		return nil, err
	}
	defer target.Close()
	if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
		runtime.UnlockOSThread()
		return nil, fmt.Errorf("setns %s: %w", nsPath, err)
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, network, addr)
	if unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET) == nil {
		runtime.UnlockOSThread()
	}
	return conn, err
}
