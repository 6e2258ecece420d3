package units

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// TestServiceNotifier sends through a real datagram socket, as systemd
// receives them, and reads the watchdog settings systemd would set.
func TestServiceNotifier(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	t.Setenv("NOTIFY_SOCKET", sock)

	var n ServiceNotifier
	for _, state := range []string{"READY=1", "STATUS=waiting for barrier 3 of 5", "WATCHDOG=1"} {
		if err := n.Notify(state); err != nil {
			t.Fatalf("Notify(%q) = %v", state, err)
		}
		buf := make([]byte, 512)
		if err := conn.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
			t.Fatal(err)
		}
		k, err := conn.Read(buf)
		if err != nil {
			t.Fatalf("read %q: %v", state, err)
		}
		if got := string(buf[:k]); got != state {
			t.Errorf("socket got %q, want %q", got, state)
		}
	}

	t.Setenv("WATCHDOG_USEC", "60000000")
	t.Setenv("WATCHDOG_PID", strconv.Itoa(os.Getpid()))
	if got := n.WatchdogInterval(); got != time.Minute {
		t.Errorf("WatchdogInterval() = %s, want 1m", got)
	}
	t.Setenv("WATCHDOG_PID", strconv.Itoa(os.Getpid()+1)) // meant for another process
	if got := n.WatchdogInterval(); got != 0 {
		t.Errorf("WatchdogInterval() for another pid = %s, want 0", got)
	}
}

func TestServiceNotifierWithoutSystemd(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", "")
	t.Setenv("WATCHDOG_USEC", "")
	var n ServiceNotifier
	if err := n.Notify("READY=1"); err != nil {
		t.Errorf("Notify without a socket = %v, want nil", err)
	}
	if got := n.WatchdogInterval(); got != 0 {
		t.Errorf("WatchdogInterval() = %s, want 0", got)
	}
}
