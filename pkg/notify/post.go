package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/necoship/neco/pkg/buildinfo"
)

// maxDrain bounds how much of a response body is read before closing it:
// enough for the connection to be reused after any sane answer, not so much
// that a misbehaving endpoint can make us read forever.
const maxDrain = 64 << 10

// maxDetail bounds the part of a response body quoted in an error.
const maxDetail = 64

// errInvalidURL replaces url.Parse's error, which quotes the whole URL.
var errInvalidURL = errors.New("invalid URL (not shown: it is secret)")

// poster POSTs JSON to one secret URL. Slack and the generic webhook share
// it so that status handling and URL redaction live in one place.
type poster struct {
	name   string // "slack" or "webhook": Sender.Name
	label  string // what errors call the endpoint; never the URL
	target string
	badURL bool
	client *http.Client
}

func newPoster(name, label, rawURL string, client *http.Client) poster {
	u, err := url.Parse(rawURL)
	bad := err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == ""
	var c http.Client
	if client != nil {
		c = *client
	}
	// A POST redirected with 301/302/303 is replayed as a GET, which some
	// login page would answer 200: a false success. Stop at the first
	// redirect and report its status instead. The copy leaves the caller's
	// client untouched while sharing its Transport (and connection pool).
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return poster{name: name, label: label, target: rawURL, badURL: bad, client: &c}
}

// post sends body and turns anything but a 2xx into an error. Errors never
// contain the URL: transport errors are unwrapped from *url.Error, and a
// response body is quoted only when it cannot be an echo of the URL.
func (p poster) post(ctx context.Context, body []byte) error {
	if p.badURL {
		return p.wrap(fmt.Errorf("%w: %w", ErrPermanent, errInvalidURL))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.target, bytes.NewReader(body))
	if err != nil {
		return p.wrap(fmt.Errorf("%w: %w", ErrPermanent, errInvalidURL))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "neco/"+buildinfo.String())
	resp, err := p.client.Do(req)
	if err != nil {
		return p.wrap(stripURL(err))
	}
	defer resp.Body.Close()
	head := make([]byte, maxDetail+1)
	n, _ := io.ReadFull(resp.Body, head)
	// Drain the rest (bounded) so the connection can be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrain-int64(n)))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	return p.wrap(&StatusError{
		Code:       resp.StatusCode,
		RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()),
		Detail:     safeDetail(head[:n], p.target),
	})
}

func (p poster) wrap(err error) error {
	return fmt.Errorf("POST %s: %w", p.label, err)
}

// stripURL drops the *url.Error layer the http.Client adds: its message
// starts with the full request URL, credential included. What it wraps
// (dial, TLS, timeout errors) names at most the host, never the path.
func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// safeDetail returns the response body when it looks like an error code
// (Slack answers "invalid_payload", "channel_is_archived", ...) and is not
// part of the URL. Anything else is dropped: a generic endpoint may well
// answer "Cannot POST /hooks/<secret>".
func safeDetail(body []byte, target string) string {
	s := strings.TrimSpace(string(body))
	if s == "" || len(s) > maxDetail || strings.Contains(strings.ToLower(target), strings.ToLower(s)) {
		return ""
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && r != '_' {
			return ""
		}
	}
	return s
}
