package daemon

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
	"golang.org/x/sys/unix"

	"github.com/necoship/neco/pkg/config"
	"github.com/necoship/neco/pkg/etcdmember"
	"github.com/necoship/neco/pkg/etcdtest"
)

func TestNewLogger(t *testing.T) {
	var buf bytes.Buffer
	log, err := NewLogger(&buf, "warn", LogJSON)
	if err != nil {
		t.Fatal(err)
	}
	log.Info("hidden")
	log.Warn("shown", zap.String("key", "v"))
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatalf("not one JSON line: %q: %v", buf.String(), err)
	}
	if line["msg"] != "shown" || line["level"] != "warn" || line["key"] != "v" {
		t.Errorf("line = %v", line)
	}
	if _, err := time.Parse("2006-01-02T15:04:05.000Z0700", fmt.Sprint(line["ts"])); err != nil {
		t.Errorf("ts %v is not ISO 8601: %v", line["ts"], err)
	}
	if _, err := NewLogger(io.Discard, "loud", LogJSON); err == nil {
		t.Error("unknown level accepted")
	}
}

func TestConsoleLogger(t *testing.T) {
	var buf bytes.Buffer
	log, err := NewLogger(&buf, "info", LogConsole)
	if err != nil {
		t.Fatal(err)
	}
	log.Info("step started", zap.Int64("update_id", 7))
	line := buf.String()
	if json.Valid([]byte(line)) || !strings.Contains(line, "INFO\tstep started\t{\"update_id\": 7}") {
		t.Errorf("console line = %q", line)
	}
}

func TestFormatFor(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "log")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := FormatFor(f); got != LogJSON {
		t.Errorf("FormatFor(regular file) = %v, want LogJSON", got)
	}
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0) // a character device, not a terminal
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	if got := FormatFor(null); got != LogJSON {
		t.Errorf("FormatFor(/dev/null) = %v, want LogJSON", got)
	}
	if got := FormatFor(openPTY(t)); got != LogConsole {
		t.Errorf("FormatFor(a pseudo-terminal) = %v, want LogConsole", got)
	}
}

// openPTY opens the terminal side of a new pseudo-terminal pair.
func openPTY(t *testing.T) *os.File {
	t.Helper()
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { ptmx.Close() })
	n, err := unix.IoctlGetInt(int(ptmx.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.IoctlSetPointerInt(int(ptmx.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	pts, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pts.Close() })
	return pts
}

// DialCluster waits for an etcd that starts after it, as boot servers'
// daemons do when they come up before the cluster.
func TestDialClusterWaitsForEtcd(t *testing.T) {
	l := config.DefaultLocal()
	l.DataDir = t.TempDir()
	l.Etcd.EmbeddedClientURL, l.Etcd.EmbeddedPeerURL = "https://"+etcdtest.FreeAddr(t), "https://"+etcdtest.FreeAddr(t)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	go func() {
		time.Sleep(500 * time.Millisecond)
		m, err := etcdmember.StartMember(ctx, l.DataDir, l.Etcd, zap.NewNop())
		if err != nil {
			t.Error(err)
			return
		}
		<-ctx.Done()
		m.Close()
	}()
	c, err := DialCluster(ctx, l, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Put(ctx, "/neco/x", "y"); err != nil {
		t.Fatal(err)
	}
}

func TestDialClusterStopsWithContext(t *testing.T) {
	l := config.DefaultLocal()
	l.Etcd.Endpoints = []string{"http://" + etcdtest.FreeAddr(t)}
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	if _, err := DialCluster(ctx, l, zap.NewNop()); err != context.DeadlineExceeded {
		t.Fatalf("err = %v, want the context's error", err)
	}
}

func TestServe(t *testing.T) {
	addr := etcdtest.FreeAddr(t)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- Serve(ctx, addr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "ok")
		}), zap.NewNop())
	}()
	var body string
	for deadline := time.Now().Add(5 * time.Second); body == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if resp, err := http.Get("http://" + addr); err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			body = string(b)
		}
	}
	if body != "ok" {
		t.Fatalf("body %q", body)
	}
	// The port is taken now: a second server fails at once.
	if err := Serve(ctx, addr, http.NotFoundHandler(), zap.NewNop()); err == nil || !strings.Contains(err.Error(), "address already in use") {
		t.Errorf("second Serve on %s: %v", addr, err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve after cancel = %v, want nil", err)
	}
}

// TestEtcdClientLogger: the etcd client's info and debug lines (a retry
// of each call) stay out of the journal unless the daemon logs at debug;
// its warnings always get through.
func TestEtcdClientLogger(t *testing.T) {
	for _, tt := range []struct {
		level zapcore.Level
		want  []string
	}{
		{zapcore.InfoLevel, []string{"warn"}},
		{zapcore.DebugLevel, []string{"debug", "info", "warn"}},
	} {
		core, logs := observer.New(tt.level)
		l := etcdClientLogger(zap.New(core))
		l.Debug("debug")
		l.Info("info")
		l.Warn("warn")
		var got []string
		for _, e := range logs.All() {
			got = append(got, e.Message)
			if e.LoggerName != "etcd-client" {
				t.Errorf("logger name %q, want etcd-client", e.LoggerName)
			}
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("at %s: lines %q, want %q", tt.level, got, tt.want)
		}
	}
}
