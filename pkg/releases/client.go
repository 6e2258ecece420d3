package releases

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/google/go-github/v66/github"
	"go.uber.org/zap"

	"github.com/necoship/neco/pkg/backoff"
	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/netproxy"
)

// DefaultAPIURL is GitHub's REST API root. GitHub Enterprise sites use
// https://HOST/api/v3/; air-gapped sites use a neco mirror's root.
const DefaultAPIURL = "https://api.github.com/"

const (
	perPage = 100
	// maxPages stops a server that paginates forever; 100 pages of 100 is
	// more releases than any site repository has.
	maxPages = 100
)

// Options configure a Client. Repo is required.
type Options struct {
	// APIURL is the REST API root; default DefaultAPIURL.
	APIURL string
	// Repo is "owner/name".
	Repo string
	// Token is a GitHub token; empty for public repositories and mirrors.
	// It is sent only to APIURL's origin (scheme, host, port), and only
	// over https unless that host is loopback (model.CheckTokenURL).
	Token string
	// Proxy is an HTTP proxy URL; empty uses the environment's. NoProxy
	// lists the hosts reached directly (config no-proxy).
	Proxy   string
	NoProxy string
	// RequestTimeout bounds one API request, its body included (not a
	// download); default 30s.
	RequestTimeout time.Duration
	// MaxAssetSize is the largest asset a download accepts, whatever its
	// release declares; default DefaultMaxAssetSize.
	MaxAssetSize int64
	Retry        RetryPolicy
	Logger       *zap.Logger
	// Sleep waits d or until ctx ends; tests replace it to observe waits.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now reads this server's clock, against which the release source's
	// is measured (model.Release.SourceSkew); nil is time.Now.
	Now func() time.Time
	// OnResponse, when set, is called once per API request sent, retries
	// included, with the status that came back over the wire (304 for a
	// conditional request that was not modified; 0 when no answer came)
	// and the rate limit left: a hook for metrics. It is called on the
	// request's goroutine, so it must be quick and safe for concurrent use.
	OnResponse func(Response)
}

// Client reads one repository's releases and records its deployments.
type Client struct {
	gh *github.Client
	// download fetches the asset URLs the API redirects to. It has no
	// request timeout (an asset may take minutes) and shares the token
	// rule of the API client: the storage host GitHub redirects to is
	// another origin and gets no token.
	download     *http.Client
	cond         *conditionalTransport
	owner, name  string
	policy       RetryPolicy
	maxAssetSize int64
	log          *zap.Logger
	sleep        func(context.Context, time.Duration) error
	now          func() time.Time

	mu      sync.Mutex
	badTags map[string]bool // tags already warned about
}

// Stats counts the HTTP requests made to the API.
type Stats struct {
	Requests    int64 // every API request sent
	NotModified int64 // answered 304 (free against the rate limit)
}

// New builds a client; it does no I/O.
func New(o Options) (*Client, error) {
	owner, name, err := splitRepo(o.Repo)
	if err != nil {
		return nil, err
	}
	api, err := apiURL(o.APIURL)
	if err != nil {
		return nil, err
	}
	if err := model.CheckTokenURL(api.String(), o.Token != ""); err != nil {
		return nil, err
	}
	base, err := baseTransport(o.Proxy, o.NoProxy)
	if err != nil {
		return nil, err
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = 30 * time.Second
	}
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	if o.Sleep == nil {
		o.Sleep = backoff.Sleep
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxAssetSize <= 0 {
		o.MaxAssetSize = DefaultMaxAssetSize
	}
	// Outermost first: the token (so the cache keys on the credential),
	// the cache, the body bound, the hook, the wire. Not go-github's
	// WithAuthToken: it adds the token below the redirect logic, to every
	// hop whatever its host.
	cond := newConditionalTransport(boundedTransport{next: observe(base, o.OnResponse), limit: MaxAPIBody})
	gh := github.NewClient(&http.Client{Transport: newTokenTransport(cond, api, o.Token), Timeout: o.RequestTimeout})
	gh.BaseURL = api
	return &Client{
		gh:           gh,
		download:     &http.Client{Transport: newTokenTransport(base, api, o.Token)},
		cond:         cond,
		owner:        owner,
		name:         name,
		policy:       o.Retry.withDefaults(),
		maxAssetSize: o.MaxAssetSize,
		log:          o.Logger.With(zap.String(keyRepo, o.Repo)),
		sleep:        o.Sleep,
		now:          o.Now,
		badTags:      map[string]bool{},
	}, nil
}

// Stats returns the request counters since New.
func (c *Client) Stats() Stats {
	return Stats{Requests: c.cond.requests.Load(), NotModified: c.cond.notModified.Load()}
}

func splitRepo(repo string) (owner, name string, err error) {
	owner, name, ok := strings.Cut(repo, "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
		return "", "", fmt.Errorf("repo %q: want OWNER/NAME", repo)
	}
	return owner, name, nil
}

func apiURL(s string) (*url.URL, error) {
	if s == "" {
		s = DefaultAPIURL
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("api url: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("api url %q: want an absolute http or https URL", s)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	return u, nil
}

func baseTransport(proxy, noProxy string) (*http.Transport, error) {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.ResponseHeaderTimeout = 30 * time.Second
	if proxy == "" {
		return t, nil
	}
	u, err := url.Parse(proxy)
	if err != nil {
		return nil, fmt.Errorf("proxy: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("proxy: want an absolute http or https URL")
	}
	t.Proxy = netproxy.Func(proxy, noProxy)
	return t, nil
}
