package releases

import (
	"errors"
	"fmt"
	"io"
	"net/http"
)

// Every body this package reads from the network has a bound, so a broken
// or hostile server costs at most that much memory or disk, never what it
// chooses to send. docs/releases.md ("Limits") lists them with what
// happens past each one.
const (
	// MaxAPIBody bounds one API response (JSON, or an error's body), after
	// gzip is undone. GitHub's largest answer neco asks for is a listing
	// page of 100 releases whose notes are at most 125000 characters each:
	// about 12.5 MB, or 50 MB if every character were a 4-byte one, which
	// no release page is. 32 MiB is well above any real page and bounds
	// what one request can make the client hold.
	MaxAPIBody = 32 << 20
	// DefaultMaxAssetSize is Options.MaxAssetSize when unset: above any
	// site package, below a boot server's cache partition.
	DefaultMaxAssetSize = 4 << 30
	// maxChecksumsSize bounds SHA256SUMS and its signature, which are
	// read into memory: a few lines of text, never megabytes.
	maxChecksumsSize = 1 << 20
)

// ErrTooLarge is returned when a body goes past its limit: an API answer
// past MaxAPIBody, an asset past the size its release declares or past
// Options.MaxAssetSize, SHA256SUMS or its signature past 1 MiB. Reading
// stops at the limit and nothing of the body is used or kept. Retrying
// does not help: the server sends the same body again.
var ErrTooLarge = errors.New("releases: too large")

// boundedReader reads at most limit bytes of r; one byte more is
// ErrTooLarge, so the caller learns the body was too large rather than
// seeing it cut short, and stops reading at once.
type boundedReader struct {
	r     io.Reader
	left  int64  // bytes still allowed
	limit int64  // for the message
	what  string // what is read, for the message
	err   error  // sticky, once the limit is passed
}

func newBoundedReader(r io.Reader, limit int64, what string) *boundedReader {
	return &boundedReader{r: r, left: limit, limit: limit, what: what}
}

func (b *boundedReader) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	// Ask for one byte past the limit at most: that byte, if it comes,
	// proves the body too large without reading further.
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.r.Read(p)
	if int64(n) > b.left {
		b.err = fmt.Errorf("%w: %s: more than %d bytes", ErrTooLarge, b.what, b.limit)
		return 0, b.err
	}
	b.left -= int64(n)
	return n, err
}

// boundedBody is a response body read through a boundedReader.
type boundedBody struct {
	*boundedReader
	io.Closer
}

func boundBody(body io.ReadCloser, limit int64, what string) io.ReadCloser {
	return boundedBody{boundedReader: newBoundedReader(body, limit, what), Closer: body}
}

// boundedTransport caps every API response body at MaxAPIBody (limit),
// counted after gzip is undone, so a compressed bomb is caught too. One
// answer is left to its caller's own bound: an asset the API host sends
// itself (200 to Accept: application/octet-stream, where GitHub would
// redirect), which the download bounds by the size the release declares.
type boundedTransport struct {
	next  http.RoundTripper
	limit int64
}

func (t boundedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusOK && req.Header.Get("Accept") == octetStream {
		return resp, nil
	}
	what := "api response " + req.URL.Path
	if resp.ContentLength > t.limit {
		// Declared too large: refused before reading a byte of it.
		_ = resp.Body.Close()
		return nil, fmt.Errorf("%w: %s: %d bytes declared, more than %d", ErrTooLarge, what, resp.ContentLength, t.limit)
	}
	resp.Body = boundBody(resp.Body, t.limit, what)
	return resp, nil
}
