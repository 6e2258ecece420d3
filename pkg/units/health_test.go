package units

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestCheckHTTP(t *testing.T) {
	t.Parallel()
	// 503 on the first request, 200 after.
	var flaky atomic.Int32
	flakySrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if flaky.Add(1) == 1 {
			http.Error(w, "starting", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte(`{"health":"true"}`))
	}))
	t.Cleanup(flakySrv.Close)
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"health":"false","reason":"RAFT NO LEADER"}`, http.StatusInternalServerError)
	}))
	t.Cleanup(broken.Close)
	// Answers only when the client gives up, like a daemon stuck at start.
	hung := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	t.Cleanup(hung.Close)
	// A port nothing listens on any more.
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()

	tests := []struct {
		name     string
		url      string
		timeout  time.Duration
		wantErr  error
		wantText []string
		// minTime/maxTime bound how long the check took.
		minTime, maxTime time.Duration
	}{{
		name:    "503 then 200",
		url:     flakySrv.URL + "/health",
		timeout: 5 * time.Second,
		minTime: checkInterval,
		maxTime: 3 * time.Second,
	}, {
		name:     "always 500",
		url:      broken.URL + "/health",
		timeout:  1500 * time.Millisecond,
		wantErr:  ErrUnhealthy,
		wantText: []string{"units: unhealthy after 1.5s: status 500: ", `RAFT NO LEADER`},
		minTime:  1500 * time.Millisecond,
		maxTime:  3 * time.Second,
	}, {
		name:     "hangs past the timeout",
		url:      hung.URL,
		timeout:  500 * time.Millisecond,
		wantErr:  ErrUnhealthy,
		wantText: []string{"context deadline exceeded"},
		minTime:  500 * time.Millisecond,
		maxTime:  2 * time.Second,
	}, {
		name:     "connection refused",
		url:      closedURL,
		timeout:  300 * time.Millisecond,
		wantErr:  ErrUnhealthy,
		wantText: []string{"connection refused"},
		maxTime:  2 * time.Second,
	}, {
		name:     "not a URL for HTTP",
		url:      "localhost:2379/health",
		timeout:  time.Second,
		wantText: []string{"want an http or https URL with a host"},
		maxTime:  100 * time.Millisecond,
	}, {
		name:     "no timeout",
		url:      broken.URL,
		wantText: []string{"timeout 0s: want a positive duration"},
		maxTime:  100 * time.Millisecond,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			began := time.Now()
			err := CheckHTTP(context.Background(), tt.url, tt.timeout)
			took := time.Since(began)
			checkResult(t, err, tt.wantErr, tt.wantText)
			if !strings.HasPrefix(errString(err), "health ") && err != nil {
				t.Errorf("err = %q, want it to start with health URL", err)
			}
			if took < tt.minTime || took > tt.maxTime {
				t.Errorf("took %s, want %s to %s", took, tt.minTime, tt.maxTime)
			}
		})
	}
}

// The caller's context ending is its error, not ErrUnhealthy.
func TestCheckHTTPCancelled(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no", http.StatusBadGateway)
	}))
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	err := CheckHTTP(ctx, srv.URL, time.Minute)
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrUnhealthy) {
		t.Fatalf("err = %v, want the context's deadline and not ErrUnhealthy", err)
	}
	if !strings.Contains(err.Error(), "last attempt: status 502") {
		t.Errorf("err = %v, want the last status", err)
	}
}

// A health endpoint is local: a proxy from the environment must not be
// asked for it.
func TestCheckHTTPIgnoresProxy(t *testing.T) {
	var proxied atomic.Bool
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proxied.Store(true)
		http.Error(w, "proxy", http.StatusBadGateway)
	}))
	t.Cleanup(proxy.Close)
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(target.Close)
	t.Setenv("HTTP_PROXY", proxy.URL)
	t.Setenv("http_proxy", proxy.URL)
	t.Setenv("NO_PROXY", "")
	t.Setenv("no_proxy", "")
	if err := CheckHTTP(context.Background(), target.URL, 2*time.Second); err != nil {
		t.Fatal(err)
	}
	if proxied.Load() {
		t.Error("the health check went through the proxy")
	}
}

func TestCheckExec(t *testing.T) {
	t.Parallel()
	sh := "/bin/sh"
	if _, err := os.Stat(sh); err != nil {
		t.Skip("needs /bin/sh (Debian package dash)")
	}
	marker := filepath.Join(t.TempDir(), "second-time")
	tests := []struct {
		name     string
		argv     []string
		timeout  time.Duration
		wantErr  error
		wantText []string
		minTime  time.Duration
		maxTime  time.Duration
	}{{
		name:    "exit 0",
		argv:    []string{sh, "-c", "exit 0"},
		timeout: time.Second,
		maxTime: 500 * time.Millisecond,
	}, {
		name:     "exit 1 with its output",
		argv:     []string{sh, "-c", "echo endpoint 127.0.0.1:2379 is unhealthy >&2; exit 1"},
		timeout:  1500 * time.Millisecond,
		wantErr:  ErrUnhealthy,
		wantText: []string{"health exec /bin/sh: units: unhealthy after 1.5s: exit status 1; output: \"endpoint 127.0.0.1:2379 is unhealthy\""},
		minTime:  1500 * time.Millisecond,
		maxTime:  3 * time.Second,
	}, {
		name:    "succeeds the second time",
		argv:    []string{sh, "-c", `if [ -e "$0" ]; then exit 0; fi; : > "$0"; echo not yet; exit 3`, marker},
		timeout: 5 * time.Second,
		minTime: checkInterval,
		maxTime: 3 * time.Second,
	}, {
		name:     "long output keeps its end",
		argv:     []string{sh, "-c", `i=0; while [ $i -lt 500 ]; do echo line $i; i=$((i+1)); done; echo the real reason; exit 2`},
		timeout:  200 * time.Millisecond,
		wantErr:  ErrUnhealthy,
		wantText: []string{`output: "...`, `line 499\nthe real reason"`},
		maxTime:  2 * time.Second,
	}, {
		name:     "runs past the timeout",
		argv:     []string{sh, "-c", "sleep 30"},
		timeout:  300 * time.Millisecond,
		wantErr:  ErrUnhealthy,
		wantText: []string{"signal: killed"},
		minTime:  300 * time.Millisecond,
		maxTime:  2 * time.Second,
	}, {
		name:    "a background child keeps the output open",
		argv:    []string{sh, "-c", "sleep 30 & exit 1"},
		timeout: 300 * time.Millisecond,
		wantErr: ErrUnhealthy,
		maxTime: 3 * time.Second,
	}, {
		name:     "no such command",
		argv:     []string{"/nonexistent/etcdctl"},
		timeout:  200 * time.Millisecond,
		wantErr:  ErrUnhealthy,
		wantText: []string{"no such file or directory"},
		maxTime:  time.Second,
	}, {
		name:     "empty command",
		timeout:  time.Second,
		wantText: []string{"health exec: empty command"},
		maxTime:  100 * time.Millisecond,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			began := time.Now()
			err := CheckExec(context.Background(), tt.argv, tt.timeout)
			took := time.Since(began)
			checkResult(t, err, tt.wantErr, tt.wantText)
			if took < tt.minTime || took > tt.maxTime {
				t.Errorf("took %s, want %s to %s", took, tt.minTime, tt.maxTime)
			}
		})
	}
}

func TestTailBuffer(t *testing.T) {
	t.Parallel()
	b := &tailBuffer{max: 8}
	b.Write([]byte("abc"))
	if got := b.String(); got != "abc" {
		t.Errorf("String() = %q, want abc", got)
	}
	b.Write([]byte("defghij"))
	b.Write([]byte("k"))
	if got := b.String(); got != "...defghijk" {
		t.Errorf("String() = %q, want ...defghijk", got)
	}
}

// checkResult fails t unless err is nil when neither wantErr nor wantText
// is set, or matches both.
func checkResult(t *testing.T, err, wantErr error, wantText []string) {
	t.Helper()
	if wantErr == nil && len(wantText) == 0 {
		if err != nil {
			t.Fatalf("err = %v, want nil", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("err = nil, want %v %q", wantErr, wantText)
	}
	if wantErr != nil && !errors.Is(err, wantErr) {
		t.Errorf("err = %v, want errors.Is %v", err, wantErr)
	}
	for _, s := range wantText {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("err = %q, want it to contain %q", err, s)
		}
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestRunCommand(t *testing.T) {
	ctx := context.Background()
	if err := RunCommand(ctx, []string{"/bin/sh", "-c", "exit 0"}); err != nil {
		t.Errorf("exit 0: %v", err)
	}
	err := RunCommand(ctx, []string{"/bin/sh", "-c", "echo migration failed >&2; exit 3"})
	if err == nil || !strings.Contains(err.Error(), "migration failed") || !strings.Contains(err.Error(), "exit status 3") {
		t.Errorf("exit 3: err = %v, want the exit status and the output", err)
	}
	if err := RunCommand(ctx, nil); err == nil {
		t.Error("empty command ran")
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := RunCommand(cctx, []string{"/bin/sleep", "10"}); err == nil {
		t.Error("a cancelled command succeeded")
	}
}
