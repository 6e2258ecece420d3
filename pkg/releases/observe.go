package releases

import (
	"net/http"
	"strconv"
)

// Response is what Options.OnResponse learns about one API request.
type Response struct {
	// Code is the HTTP status GitHub answered with, as sent: a conditional
	// request that was not modified is 304 here, even though the client's
	// caller sees the remembered 200. Code is 0 when no answer came at
	// all (connection refused, TLS failure, timeout, cancelled request).
	Code int
	// RateRemaining is X-RateLimit-Remaining: the requests left in the
	// current rate-limit window; -1 when the header is absent or
	// unreadable (a neco mirror, some proxies, no answer).
	RateRemaining int
}

// observingTransport reports every round trip to on. It sits under the
// conditional-request cache, so it sees what went over the wire (a 304 is
// a 304), and it sees only API requests: the redirected asset downloads go
// through Client.download, which it does not wrap.
type observingTransport struct {
	next http.RoundTripper
	on   func(Response)
}

// observe wraps next when on is set; otherwise next is used as it is, so
// a client without a hook pays nothing.
func observe(next http.RoundTripper, on func(Response)) http.RoundTripper {
	if on == nil {
		return next
	}
	return observingTransport{next: next, on: on}
}

func (t observingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		// Reported too: a metric that only counted answers would look
		// healthy while GitHub is unreachable.
		t.on(Response{Code: 0, RateRemaining: -1})
		return nil, err
	}
	t.on(Response{Code: resp.StatusCode, RateRemaining: rateRemaining(resp.Header)})
	return resp, nil
}

func rateRemaining(h http.Header) int {
	v := h.Get("X-RateLimit-Remaining")
	if v == "" {
		return -1
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return -1
	}
	return n
}
