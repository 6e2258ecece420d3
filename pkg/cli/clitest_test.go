package cli

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for a command writing while a test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// run executes neco with args and returns stdout, stderr and exit code.
func run(t *testing.T, env map[string]string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb syncBuffer
	code := Execute(context.Background(), Env{
		Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
		Getenv: func(k string) string { return env[k] },
	}, args)
	return out.String(), errb.String(), code
}

// serveMirror runs `neco mirror serve` on a free loopback port until the
// test ends and returns its API URL.
func serveMirror(t *testing.T, dir string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var errb syncBuffer
	done := make(chan int)
	go func() {
		done <- Execute(ctx, Env{Stdout: &errb, Stderr: &errb, Getenv: func(string) string { return "" }},
			[]string{"mirror", "serve", "--dir", dir, "--listen", "127.0.0.1:0"})
	}()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("mirror serve exited %d: %s", code, errb.String())
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if _, rest, ok := strings.Cut(errb.String(), " on http://"); ok {
			return "http://" + strings.TrimSpace(rest)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("mirror serve did not start: %s", errb.String())
	return ""
}
