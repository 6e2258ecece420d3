//go:build dctest

package harness

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// hostServiceReady bounds how long a host service may take to listen.
const hostServiceReady = 30 * time.Second

// HostService is a program of the host (a neco mirror, a docker-registry)
// run in the bridge namespace, so that the servers reach it on
// HostIP:Port. Its own files (binary, data) are the host's: only its
// network is the run's.
type HostService struct {
	Name string
	// Addr is HostIP:Port, as the servers dial it.
	Addr string
	// Log holds its stdout and stderr.
	Log string

	cmd *processHandle
}

// processHandle is a started command and the channel closed when it exits.
type processHandle struct {
	pid  int
	done chan struct{}
	err  error // valid after done
}

// startHostService starts argv under nsenter --net in the run's host
// cgroup and waits until HostIP:port accepts connections.
func startHostService(ctx context.Context, nw *Network, cg cgroup, logs, name string, port int, argv []string) (*HostService, error) {
	if err := cg.create(); err != nil {
		return nil, err
	}
	h := &HostService{Name: name, Addr: net.JoinHostPort(HostIP, strconv.Itoa(port)), Log: filepath.Join(logs, name+".log")}
	logf, err := os.OpenFile(h.Log, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("host service %s: %w", name, err)
	}
	defer logf.Close()
	ns := "--net=" + netnsPath(nw.BridgeNamespace())
	cmd, err := cg.command(context.Background(), append([]string{"nsenter", ns, "--"}, argv...))
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("host service %s: %w", name, err)
	}
	p := &processHandle{pid: cmd.Process.Pid, done: make(chan struct{})}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	h.cmd = p
	if err := h.waitListening(ctx, nw); err != nil {
		h.Stop()
		return nil, fmt.Errorf("host service %s: %w; last lines of %s:\n%s", name, err, h.Log, tail(h.Log, 20))
	}
	return h, nil
}

func (h *HostService) waitListening(ctx context.Context, nw *Network) error {
	ctx, cancel := context.WithTimeout(ctx, hostServiceReady)
	defer cancel()
	for {
		dctx, dcancel := context.WithTimeout(ctx, time.Second)
		c, err := nw.DialContext(dctx, "tcp", h.Addr)
		dcancel()
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-h.cmd.done:
			return fmt.Errorf("exited before listening on %s: %v", h.Addr, h.cmd.err)
		case <-ctx.Done():
			return fmt.Errorf("not listening on %s: %w", h.Addr, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Stop sends SIGTERM to the service's process group, and SIGKILL after 10 s.
// Stopping twice does nothing.
func (h *HostService) Stop() error {
	if err := syscall.Kill(-h.cmd.pid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("host service %s: %w", h.Name, err)
	}
	select {
	case <-h.cmd.done:
		return nil
	case <-time.After(10 * time.Second):
	}
	syscall.Kill(-h.cmd.pid, syscall.SIGKILL)
	<-h.cmd.done
	return fmt.Errorf("host service %s: killed after 10s", h.Name)
}
