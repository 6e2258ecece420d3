package releases

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// endlessListing is a release listing that never ends: "[" and then
// releases, each one valid JSON, so a decoder has no reason to stop.
type endlessListing struct {
	n   int
	buf []byte
}

func (e *endlessListing) Read(p []byte) (int, error) {
	if len(e.buf) == 0 {
		if e.n == 0 {
			e.buf = []byte("[")
		} else {
			e.buf = fmt.Appendf(nil, `{"id":%d,"tag_name":"release-1.0.%d","draft":false,"prerelease":false,"body":"%s"},`,
				e.n, e.n, strings.Repeat("notes ", 100))
		}
		e.n++
	}
	n := copy(p, e.buf)
	e.buf = e.buf[n:]
	return n, nil
}

// countingReader counts what was taken from r: what a server handed to
// the connection.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// hugeListing answers every listing request with size bytes of releases
// (size < 0: without end) the way how says, records how much of it the
// server could send before the client hung up, and closes done when the
// handler is over.
type hugeListing struct {
	size int64
	how  string // "chunked", "content-length", "gzip"
	sent countingReader
	done chan struct{}
}

func (h *hugeListing) serve(w http.ResponseWriter, r *http.Request) bool {
	defer close(h.done)
	h.sent.r = &endlessListing{}
	if h.size >= 0 {
		h.sent.r = io.LimitReader(h.sent.r, h.size)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("ETag", `"huge"`)
	var dst io.Writer = w
	switch h.how {
	case "content-length":
		w.Header().Set("Content-Length", strconv.FormatInt(h.size, 10))
	case "gzip":
		w.Header().Set("Content-Encoding", "gzip")
		zw, _ := gzip.NewWriterLevel(w, gzip.BestSpeed)
		defer zw.Close()
		dst = zw
	}
	w.WriteHeader(http.StatusOK)
	_, _ = io.Copy(dst, &h.sent)
	return true
}

// TestAPIBodyIsBounded serves a 300 MiB listing (chunked, or declared
// up front) and an endless gzip one, decompressing to more than the limit:
// each is refused with ErrTooLarge after one request, and the client
// stopped reading at the limit (the server could hand over at most the
// limit and what the sockets buffer) instead of taking 300 MiB.
func TestAPIBodyIsBounded(t *testing.T) {
	const listing = 300 << 20
	slack := socketSlack(t)
	tests := []struct {
		how      string
		size     int64
		min, max int64 // bounds of what the server could send
	}{
		{how: "chunked", size: listing, min: MaxAPIBody, max: MaxAPIBody + slack},
		{how: "content-length", size: listing, min: 0, max: slack},
		// Compressed, any amount fits in the buffers: that it ended
		// at all shows the client stopped.
		{how: "gzip", size: -1, min: MaxAPIBody, max: 1 << 62},
	}
	for _, tt := range tests {
		t.Run(tt.how, func(t *testing.T) {
			f := newFakeGitHub(t)
			h := &hugeListing{size: tt.size, how: tt.how, done: make(chan struct{})}
			f.intercept = func(w http.ResponseWriter, r *http.Request) bool { return h.serve(w, r) }
			c, _, _ := newTestClient(t, f, nil)
			_, err := c.ListReleases(context.Background())
			if !errors.Is(err, ErrTooLarge) {
				t.Fatalf("err = %v, want ErrTooLarge", err)
			}
			waitClosed(t, h.done, "the server's handler to end")
			sent := h.sent.n.Load()
			t.Logf("the server handed %d bytes to the connection", sent)
			if sent < tt.min || sent > tt.max {
				t.Errorf("the server sent %d bytes; want %d to %d", sent, tt.min, tt.max)
			}
			if n := len(f.recorded()); n != 1 {
				t.Errorf("%d requests; a body too large is not worth retrying", n)
			}
		})
	}
}

// TestSlowAPIBodyEndsAtRequestTimeout trickles a listing one byte at a
// time: the request timeout ends each attempt, and each handler sees the
// client go.
func TestSlowAPIBodyEndsAtRequestTimeout(t *testing.T) {
	f := newFakeGitHub(t)
	var started, ended atomic.Int32
	f.intercept = func(w http.ResponseWriter, r *http.Request) bool {
		started.Add(1)
		defer ended.Add(1)
		trickle(w, r, "application/json")
		return true
	}
	c, _, _ := newTestClient(t, f, func(o *Options) { o.RequestTimeout = 200 * time.Millisecond })
	_, err := c.ListReleases(context.Background())
	if !errors.Is(err, ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want ErrUnavailable after the request timeout", err)
	}
	f.srv.Close() // waits for every handler
	if diff := cmp.Diff([2]int32{3, 3}, [2]int32{started.Load(), ended.Load()}); diff != "" {
		t.Errorf("attempts started, ended (-want +got):\n%s", diff)
	}
}

// trickle sends a body one byte every 20ms until the client goes.
func trickle(w http.ResponseWriter, r *http.Request, contentType string) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(http.StatusOK)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if _, err := w.Write([]byte("[")); err != nil {
			return
		}
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
		}
	}
}

// socketSlack is the most a server can hand to a loopback connection
// that the client no longer reads: the largest TCP receive and send
// buffers the kernel grows to (the last fields of tcp_rmem and tcp_wmem:
// 32 MiB and 4 MiB on the CI machine), and 1 MiB for the buffers of Go's
// server and client.
func socketSlack(t *testing.T) int64 {
	t.Helper()
	slack := int64(1 << 20)
	for _, f := range []string{"/proc/sys/net/ipv4/tcp_rmem", "/proc/sys/net/ipv4/tcp_wmem"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		fields := strings.Fields(string(b))
		n, err := strconv.ParseInt(fields[len(fields)-1], 10, 64)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		slack += n
	}
	return slack
}

func waitClosed(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(30 * time.Second):
		t.Fatalf("waited 30s for %s", what)
	}
}

func TestBoundedReader(t *testing.T) {
	tests := []struct {
		in      string
		limit   int64
		want    string
		tooLong bool
	}{
		{in: "", limit: 0, want: ""},
		{in: "abc", limit: 3, want: "abc"},
		{in: "abcd", limit: 3, tooLong: true},
		{in: "a", limit: 0, tooLong: true},
		{in: "abc", limit: 10, want: "abc"},
	}
	for _, tt := range tests {
		got, err := io.ReadAll(newBoundedReader(strings.NewReader(tt.in), tt.limit, "test"))
		if tt.tooLong {
			if !errors.Is(err, ErrTooLarge) {
				t.Errorf("%q limit %d: err = %v, want ErrTooLarge", tt.in, tt.limit, err)
			}
			continue
		}
		if err != nil || string(got) != tt.want {
			t.Errorf("%q limit %d: got %q, %v", tt.in, tt.limit, got, err)
		}
	}
}

// FuzzBoundedReader: whatever the chunking, a body within the limit
// comes through whole, and a longer one is ErrTooLarge after at most
// limit bytes were handed on.
func FuzzBoundedReader(f *testing.F) {
	f.Add([]byte("hello"), int64(5), uint8(1))
	f.Add([]byte("hello"), int64(4), uint8(3))
	f.Add([]byte{}, int64(0), uint8(0))
	f.Fuzz(func(t *testing.T, in []byte, limit int64, chunk uint8) {
		if limit < 0 || limit > 1<<20 {
			return
		}
		r := newBoundedReader(&chunkedReader{b: in, n: int(chunk)%7 + 1}, limit, "fuzz")
		var got bytes.Buffer
		buf := make([]byte, int(chunk)%13+1)
		var err error
		for err == nil {
			var n int
			n, err = r.Read(buf)
			got.Write(buf[:n])
		}
		if int64(len(in)) <= limit {
			if err != io.EOF || !bytes.Equal(got.Bytes(), in) {
				t.Fatalf("%d bytes, limit %d: got %d bytes, %v", len(in), limit, got.Len(), err)
			}
			return
		}
		if !errors.Is(err, ErrTooLarge) || int64(got.Len()) > limit || !bytes.HasPrefix(in, got.Bytes()) {
			t.Fatalf("%d bytes, limit %d: handed on %d bytes, %v", len(in), limit, got.Len(), err)
		}
	})
}

// chunkedReader returns at most n bytes per read.
type chunkedReader struct {
	b []byte
	n int
}

func (c *chunkedReader) Read(p []byte) (int, error) {
	if len(c.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), c.n)], c.b)
	c.b = c.b[n:]
	return n, nil
}
