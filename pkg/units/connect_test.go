package units

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// With no bus at the address, Connect fails at once and says where it
// looked.
func TestConnectNoBus(t *testing.T) {
	t.Parallel()
	addr := "unix:path=" + filepath.Join(t.TempDir(), "system_bus_socket")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	began := time.Now()
	m, err := Connect(ctx, Options{BusAddress: addr})
	if err == nil {
		m.Close()
		t.Fatal("Connect succeeded without a bus")
	}
	if took := time.Since(began); took > time.Second {
		t.Errorf("Connect took %s to fail", took)
	}
	want := "connect to systemd: bus " + addr + ": dial unix "
	if !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), "no such file or directory") {
		t.Errorf("err = %q, want %q... no such file or directory", err, want)
	}
}

// A socket that accepts but never speaks D-Bus holds Connect only until
// ctx ends.
func TestConnectSilentBus(t *testing.T) {
	t.Parallel()
	sock := filepath.Join(t.TempDir(), "bus")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
		wg    sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		wg.Wait()
		for _, c := range conns {
			c.Close()
		}
	})

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	began := time.Now()
	m, err := Connect(ctx, Options{BusAddress: "unix:path=" + sock})
	if err == nil {
		m.Close()
		t.Fatal("Connect succeeded against a silent socket")
	}
	if took := time.Since(began); took > 2*time.Second {
		t.Errorf("Connect took %s, want about 300ms", took)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want the context's deadline", err)
	}
	mu.Lock()
	accepted := len(conns)
	mu.Unlock()
	if accepted == 0 {
		t.Error("Connect never reached the socket")
	}
}

// The default is the system bus, then systemd's private socket for root;
// on a machine with neither the error names both.
func TestConnectDefaultBus(t *testing.T) {
	t.Setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path="+filepath.Join(t.TempDir(), "none"))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	m, err := Connect(ctx, Options{})
	if _, statErr := os.Stat("/run/systemd/private"); statErr == nil && os.Geteuid() == 0 {
		// A machine run by systemd: the fallback must work.
		if err != nil {
			t.Fatalf("Connect through /run/systemd/private: %v", err)
		}
		m.Close()
		return
	}
	if err == nil {
		m.Close()
		t.Fatal("Connect succeeded with no system bus and no systemd")
	}
	for _, s := range []string{"connect to systemd: system bus: "} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("err = %q, want it to contain %q", err, s)
		}
	}
	if os.Geteuid() == 0 && !strings.Contains(err.Error(), "systemd private socket: ") {
		t.Errorf("err = %q, want the private socket tried too", err)
	}
}
