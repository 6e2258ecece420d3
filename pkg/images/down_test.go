package images

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/necoship/neco/pkg/images/imagestest"
)

// A registry that is down or hangs, or that speaks plain HTTP without
// being listed in Options.PlainHTTP, ends the pull with an error naming
// the image, within the caller's deadline.
func TestPullRegistryDown(t *testing.T) {
	e := newEnv(t)
	plain := e.Push(t, "test/plain", "v1", map[string]string{"f": "plain\n"})

	// Accepts connections, never answers.
	hung := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	t.Cleanup(hung.Close)
	hungHost := strings.TrimPrefix(hung.URL, "http://")
	refused := imagestest.FreeAddr(t)

	for _, tc := range []struct {
		name    string
		ref     string
		wantErr error  // besides naming the image
		wantMsg string // in the error
	}{
		{name: "refused", ref: imagestest.Pinned(refused, "test/x", "v1", testDigest)},
		{name: "hung", ref: imagestest.Pinned(hungHost, "test/x", "v1", testDigest), wantErr: context.DeadlineExceeded},
		{name: "https only", ref: imagestest.Pinned(e.Registry, "test/plain", "v1", plain), wantMsg: "server gave HTTP response to HTTPS client"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := e.puller(t, Options{PlainHTTP: []string{refused, hungHost}})
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			start := time.Now()
			got, err := p.Pull(ctx, []Request{{Name: tc.name, Ref: tc.ref}})
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("Pull took %v with a 1s deadline", took)
			}
			if err == nil {
				t.Fatalf("Pull succeeded: %+v", got)
			}
			t.Logf("error: %v", err)
			if want := "pull " + tc.name + " (" + tc.ref + "): "; !strings.HasPrefix(err.Error(), want) {
				t.Errorf("error %q does not start with %q", err, want)
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("error %v is not %v", err, tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("error %q does not say %q", err, tc.wantMsg)
			}
			if errors.Is(err, ErrNotFound) {
				t.Errorf("error %v claims the image is not found: an outage is not a missing image", err)
			}
			if got[0].Digest != "" || got[0].Pulled {
				t.Errorf("result %+v of a failed pull", got[0])
			}
		})
	}
}

// Cancelling ctx stops a pull stalled mid-download, and the pulls still
// waiting for a slot.
func TestPullCancel(t *testing.T) {
	e := newEnv(t)
	proxy := newRegistryProxy(t, e.Registry)
	proxy.set(func(p *registryProxy) { p.stallBlobs = true })
	reqs := twoImages(t, e, proxy, "cancel")
	// One slot: the second image waits while the first stalls.
	p := e.puller(t, Options{PlainHTTP: []string{proxy.host}, Parallel: 1})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cancelledAt := make(chan time.Time, 1)
	go func() {
		select {
		case <-proxy.blobSeen:
		case <-time.After(20 * time.Second):
		}
		cancelledAt <- time.Now()
		cancel()
	}()
	_, err := p.Pull(ctx, reqs)
	if took := time.Since(<-cancelledAt); took > 5*time.Second {
		t.Errorf("Pull returned %v after the cancel", took)
	}
	select {
	case <-proxy.blobSeen:
	default:
		t.Errorf("no blob request reached the registry: the pull was not stalled mid-download")
	}
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Pull: %v, want context.Canceled", err)
	}
	for _, r := range reqs {
		if !strings.Contains(err.Error(), "pull "+r.Name+" (") {
			t.Errorf("error %q does not name %s", err, r.Name)
		}
	}
}
