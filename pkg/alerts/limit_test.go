package alerts

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// endless serves a valid-looking alerts list that never ends (1 GiB at
// most), counting the bytes the client took, and reports that count on
// served once the client hangs up.
func endless(served chan<- int64) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		var n int64
		defer func() { served <- n }()
		if _, err := w.Write([]byte(`{"status":"success","data":{"alerts":[`)); err != nil {
			return
		}
		chunk := bytes.Repeat([]byte(`{"labels":{"alertname":"Flood"},"state":"firing"},`), 640)
		for n < 1<<30 {
			k, err := w.Write(chunk)
			n += int64(k)
			if err != nil {
				return
			}
		}
	}
}

func TestBodyPastLimitStopsReading(t *testing.T) {
	served := make(chan int64, 1)
	prom := newFakeProm(t, endless(served))
	s := newSource(t, prom.URL, Options{Timeout: time.Minute})
	_, err := s.Firing(context.Background())
	want := "get " + prom.URL + "/api/v1/alerts: alerts: response too large: more than 4194304 bytes"
	if !errors.Is(err, ErrTooLarge) || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
	select {
	case n := <-served:
		// What the client did not read sits in the loopback socket's
		// buffers (a few MiB each way); reading on would take the whole
		// GiB.
		t.Logf("server wrote %d bytes before the client hung up", n)
		if n > 64<<20 {
			t.Errorf("server wrote %d bytes: the client read on past MaxBody", n)
		}
	case <-time.After(time.Minute):
		t.Fatal("the server is still writing a minute after the client gave up")
	}
}

func TestBodyDeclaredPastLimitRefusedUnread(t *testing.T) {
	prom := newFakeProm(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(MaxBody+1))
		_, _ = w.Write(make([]byte, MaxBody+1))
	})
	s := newSource(t, prom.URL, Options{})
	_, err := s.Firing(context.Background())
	want := "get " + prom.URL + "/api/v1/alerts: alerts: response too large: 4194305 bytes declared, more than 4194304"
	if !errors.Is(err, ErrTooLarge) || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}

// A body of exactly MaxBody is read whole and used; one byte more is not.
func TestBodyAtLimit(t *testing.T) {
	for _, tc := range []struct {
		size    int
		wantErr error
	}{{MaxBody, nil}, {MaxBody + 1, ErrTooLarge}} {
		body := `{"status":"success","data":{"alerts":[{"labels":{"alertname":"A"},"state":"firing"}]}}`
		body += strings.Repeat(" ", tc.size-len(body)) // JSON allows trailing space
		prom := newFakeProm(t, func(w http.ResponseWriter, _ *http.Request) {
			// Flushing first sends the body chunked: no Content-Length
			// to refuse it early, so the read itself must stop.
			w.(http.Flusher).Flush()
			_, _ = w.Write([]byte(body))
		})
		s := newSource(t, prom.URL, Options{})
		got, err := s.Firing(context.Background())
		if !errors.Is(err, tc.wantErr) {
			t.Errorf("%d bytes: got error %v, want %v", tc.size, err, tc.wantErr)
		}
		if tc.wantErr == nil && !cmp.Equal([]string{"A"}, got) {
			t.Errorf("%d bytes: got %v, want [A]", tc.size, got)
		}
	}
}
