package units

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// bodyExcerpt is how much of a failing response's body an error quotes.
const bodyExcerpt = 256

// CheckHTTP GETs rawURL every second until it answers 2xx, or fails with
// ErrUnhealthy quoting the last status and body once timeout has passed.
// Requests go direct, never through a proxy from the environment: a health
// endpoint is local to the boot server.
func CheckHTTP(ctx context.Context, rawURL string, timeout time.Duration) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return fmt.Errorf("health %s: %w", rawURL, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("health %s: want an http or https URL with a host", rawURL)
	}
	transport := &http.Transport{Proxy: nil, DisableKeepAlives: true}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport}
	err = retryCheck(ctx, timeout, func(ctx context.Context) error {
		return getOnce(ctx, client, rawURL)
	})
	if err != nil {
		return fmt.Errorf("health %s: %w", rawURL, err)
	}
	return nil
}

func getOnce(ctx context.Context, client *http.Client, rawURL string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, bodyExcerpt))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	// %q: the body may be anything, including bytes a terminal would act on.
	return fmt.Errorf("status %d: %q", resp.StatusCode, strings.TrimSpace(string(body)))
}
