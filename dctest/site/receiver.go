//go:build dctest

package site

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/necoship/neco/dctest/harness"
)

// ReceiverPort is where a Receiver listens on harness.HostIP.
const ReceiverPort = 8443

// maxPostBody bounds what the receiver keeps of one request: a
// notification is a few KiB.
const maxPostBody = 1 << 20

// Receiver stands in for Slack and a webhook endpoint: an https server on
// HostIP:ReceiverPort, served by the test process itself from a socket in
// the run's bridge namespace (harness.Network.Listen), that answers 200 to
// every POST and keeps what it got. neco accepts only https for the slack
// and webhook keys, and neco-updater trusts the system's roots, so the
// servers must trust CA: give it to Install (Options.TrustCA).
type Receiver struct {
	// CA is the PEM of the throw-away CA that signed the receiver's
	// certificate.
	CA []byte

	cert  tls.Certificate
	srv   *http.Server
	done  chan error
	mu    sync.Mutex
	posts []Post
}

// Post is one request the receiver got.
type Post struct {
	Path string
	Body string
}

// NewReceiver makes the receiver's CA and certificate; Start serves it.
func NewReceiver() (*Receiver, error) {
	ca, cert, err := harness.NewServerCert("dctest notification receiver", harness.HostIP)
	if err != nil {
		return nil, fmt.Errorf("site: receiver: %w", err)
	}
	return &Receiver{CA: ca, cert: cert}, nil
}

// Start listens in nw's bridge namespace and serves until Close.
func (r *Receiver) Start(nw *harness.Network) error {
	l, err := nw.Listen("tcp", net.JoinHostPort(harness.HostIP, strconv.Itoa(ReceiverPort)))
	if err != nil {
		return fmt.Errorf("site: receiver: %w", err)
	}
	r.srv = &http.Server{
		Handler:           http.HandlerFunc(r.serve),
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{r.cert}},
		ReadHeaderTimeout: 10 * time.Second,
	}
	r.done = make(chan error, 1)
	go func() { r.done <- r.srv.ServeTLS(l, "", "") }()
	return nil
}

func (r *Receiver) serve(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(req.Body, maxPostBody))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	r.posts = append(r.posts, Post{Path: req.URL.Path, Body: string(body)})
	r.mu.Unlock()
	io.WriteString(w, "ok")
}

// URL is the receiver's https URL with path, as the servers reach it.
func (r *Receiver) URL(path string) string {
	return "https://" + net.JoinHostPort(harness.HostIP, strconv.Itoa(ReceiverPort)) + path
}

// Posts are the requests received so far, in order.
func (r *Receiver) Posts() []Post {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Post(nil), r.posts...)
}

// WaitFor checks the posts received every 200 ms until cond holds or
// timeout passes; the error names what was awaited and what came.
func (r *Receiver) WaitFor(ctx context.Context, timeout time.Duration, what string, cond func([]Post) bool) ([]Post, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		posts := r.Posts()
		if cond(posts) {
			return posts, nil
		}
		select {
		case <-ctx.Done():
			return posts, fmt.Errorf("site: %v waiting for the receiver to get %s; it got %d posts: %q", timeout, what, len(posts), posts)
		case <-tick.C:
		}
	}
}

// Close stops the server; call it before the cluster closes, whose
// bridge namespace holds the listening socket.
func (r *Receiver) Close() error {
	if r.srv == nil {
		return nil
	}
	err := r.srv.Close()
	if serr := <-r.done; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	r.srv = nil
	return err
}

// trustedCAPath is where trustCA installs a CA inside a server: the
// directory Debian's update-ca-certificates takes local CAs from.
const trustedCAPath = "/usr/local/share/ca-certificates/dctest.crt"

// trustCA makes srv trust the CA caPEM (nothing when empty) the way an
// SRE makes boot servers trust a site's own CA: into Debian's store with
// update-ca-certificates. Install does it before the daemons start, since
// a Go program reads the system's roots once, at its first TLS handshake
// that needs them (neco's notification client does: pkg/updater).
func trustCA(ctx context.Context, srv *harness.Server, caPEM []byte) error {
	if len(caPEM) == 0 {
		return nil
	}
	if err := srv.WriteFile(ctx, trustedCAPath, caPEM, 0o644); err != nil {
		return err
	}
	if _, err := srv.Exec(ctx, "update-ca-certificates"); err != nil {
		return fmt.Errorf("site: trust %s: %w", trustedCAPath, err)
	}
	return nil
}
