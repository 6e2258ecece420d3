package alerts

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/necoship/neco/pkg/buildinfo"
)

// MaxBody bounds the body read from Prometheus. /api/v1/alerts spends
// about 250 bytes on an alert with a few labels and annotations, so 4 MiB
// holds over ten thousand active alerts, far more than a site has, while
// a broken or hostile server costs at most 4 MiB of memory per request.
// A longer body is refused (ErrTooLarge), never cut short: a partial list
// could miss the one alert that must hold a rollout.
const MaxBody = 4 << 20

// alertsURL checks Options.URL and returns the alerts endpoint under it.
func alertsURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		// url.Parse's message quotes the whole URL, password included.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("%w: URL does not parse: %w", ErrOptions, err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("%w: URL %s: scheme is not http or https", ErrOptions, u.Redacted())
	case u.Opaque != "" || u.Host == "":
		return nil, fmt.Errorf("%w: URL %s: no host", ErrOptions, u.Redacted())
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return nil, fmt.Errorf("%w: URL %s: has a query or fragment", ErrOptions, u.Redacted())
	}
	return u.JoinPath("api", "v1", "alerts"), nil
}

// sameOriginClient copies c (nil: a zero client) with a CheckRedirect that
// refuses to leave the first request's scheme and host. The copy shares
// c's Transport, and so its connections.
func sameOriginClient(c *http.Client) *http.Client {
	var cp http.Client
	if c != nil {
		cp = *c
	}
	next := cp.CheckRedirect
	cp.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		from, to := via[0].URL, req.URL
		if to.Scheme != from.Scheme || !strings.EqualFold(to.Host, from.Host) {
			return fmt.Errorf("%w: %s://%s to %s://%s", ErrRedirect, from.Scheme, from.Host, to.Scheme, to.Host)
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	return &cp
}

// reply is an HTTP answer whose body was read whole, within MaxBody.
type reply struct {
	status string // "200 OK"
	code   int
	body   []byte
}

// get makes the request and reads the body.
func (s *Source) get(ctx context.Context) (reply, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.endpoint, nil)
	if err != nil {
		return reply{}, fmt.Errorf("%w: %w", ErrOptions, err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "neco/"+buildinfo.String())
	resp, err := s.client.Do(req)
	if err != nil {
		return reply{}, s.transportError(err)
	}
	// Closing a body that was not read to its end closes the connection,
	// which is what stops a server sending more than MaxBody.
	defer resp.Body.Close()
	if resp.ContentLength > MaxBody {
		return reply{}, fmt.Errorf("%w: %d bytes declared, more than %d", ErrTooLarge, resp.ContentLength, MaxBody)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxBody+1))
	if err != nil {
		return reply{}, fmt.Errorf("read body: %w", s.transportError(err))
	}
	if len(body) > MaxBody {
		return reply{}, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, MaxBody)
	}
	return reply{status: resp.Status, code: resp.StatusCode, body: body}, nil
}

// transportError says why no (whole) answer came. It drops the
// *url.Error layer, whose message repeats the URL unredacted by us.
func (s *Source) transportError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	switch {
	case errors.Is(err, ErrRedirect):
		return err
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%w: no answer within %s: %w", ErrUnreachable, s.timeout, err)
	}
	return fmt.Errorf("%w: %w", ErrUnreachable, err)
}
