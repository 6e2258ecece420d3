package releases

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/google/go-github/v66/github"
)

// apiRelease is the part of GitHub's release object neco reads. Decoding
// into it rather than go-github's RepositoryRelease skips the release
// notes ("body", up to 125000 characters each), which neco never shows:
// a page of 100 releases with long notes is 10 MB of JSON of which neco
// keeps a few KB.
type apiRelease struct {
	TagName    string `json:"tag_name"`
	Draft      bool   `json:"draft"`
	Prerelease bool   `json:"prerelease"`
	// A pointer: GitHub sends null for drafts, which Timestamp refuses.
	PublishedAt *github.Timestamp      `json:"published_at"`
	HTMLURL     string                 `json:"html_url"`
	Assets      []*github.ReleaseAsset `json:"assets"`
}

// decodeReleases reads a JSON array of releases one element at a time,
// so the decoder holds one release, not the whole page, and a page
// costs what neco keeps of it. Anything but an array is ErrMalformed;
// a body that ends before the array does is io.ErrUnexpectedEOF, never a
// shorter list.
func decodeReleases(r io.Reader) ([]apiRelease, error) {
	out, err := decodeArray(json.NewDecoder(r))
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return out, err
}

func decodeArray(dec *json.Decoder) ([]apiRelease, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, fmt.Errorf("%w: want a JSON array of releases, got %v", ErrMalformed, tok)
	}
	var out []apiRelease
	for dec.More() {
		var rel apiRelease
		if err := dec.Decode(&rel); err != nil {
			return nil, err
		}
		out = append(out, rel)
	}
	if _, err := dec.Token(); err != nil { // the closing ']'
		return nil, err
	}
	return out, nil
}

// decodeRelease reads one release object.
func decodeRelease(r io.Reader) (apiRelease, error) {
	var rel apiRelease
	err := json.NewDecoder(r).Decode(&rel)
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return rel, err
}

// get sends GET path (relative to the API root) with retries and hands
// the body of a successful answer to decode within the same attempt, so
// a body cut short is retried like a failed request. go-github still
// builds the request and reads the answer's status, rate limits and Link
// header.
func (c *Client) get(ctx context.Context, what, path string, decode func(io.Reader) error) (*github.Response, error) {
	req, err := c.gh.NewRequest(http.MethodGet, path, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	var resp *github.Response
	err = c.retry(ctx, what, func(ctx context.Context) error {
		var err error
		resp, err = c.gh.BareDo(ctx, req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if err := decode(resp.Body); err != nil {
			return err
		}
		// What the decoder left (a trailing newline) is read, so the
		// connection is reused for the next page instead of closed.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		return nil
	})
	return resp, err
}
