package updater

import (
	"context"
	"net/http"
	"net/url"
	"sync/atomic"

	"github.com/necoship/neco/pkg/config"
	"github.com/necoship/neco/pkg/metrics"
	"github.com/necoship/neco/pkg/netproxy"
	"github.com/necoship/neco/pkg/notify"
)

// Notifications delivers the leader's events to the endpoints that the
// cluster config names (`slack`, `webhook`, through `proxy`) and, with
// `github-deployments`, to the site repository's deployments. The config is
// the one of the latest Notify, read again at delivery, so setting or
// changing an endpoint takes effect without restarting the updater.
type Notifications struct {
	cfg        atomic.Pointer[config.Cluster]
	dispatcher *notify.Dispatcher
}

var _ Notifier = (*Notifications)(nil)

// NewNotifications returns Notifications; call Run to deliver. GitHub
// answers to deployment calls are counted in m, which may be nil.
func NewNotifications(o notify.Options, m *metrics.Updater) *Notifications {
	n := &Notifications{}
	// One client for both endpoints, so that they share connections; its
	// proxy follows the config like the endpoints do.
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.Proxy = n.proxy
	client := &http.Client{Transport: transport}
	n.dispatcher = notify.NewDispatcher(o,
		configuredSender{name: "slack", n: n, client: client, build: notify.NewSlack,
			url: func(c *config.Cluster) string { return c.Slack }},
		configuredSender{name: "webhook", n: n, client: client, build: notify.NewWebhook,
			url: func(c *config.Cluster) string { return c.Webhook }},
		&deploymentSender{n: n, log: o.Logger, metrics: m},
	)
	return n
}

// Notify queues e for the endpoints of cfg; it never blocks.
func (n *Notifications) Notify(cfg config.Cluster, e notify.Event) {
	n.cfg.Store(&cfg)
	n.dispatcher.Notify(e)
}

// Run delivers until ctx ends.
func (n *Notifications) Run(ctx context.Context) { n.dispatcher.Run(ctx) }

// proxy is the configured proxy (and no-proxy), or the environment's
// when none is set.
func (n *Notifications) proxy(req *http.Request) (*url.URL, error) {
	if c := n.cfg.Load(); c != nil {
		return netproxy.Func(c.Proxy, c.NoProxy)(req)
	}
	return http.ProxyFromEnvironment(req)
}

// configuredSender sends through the endpoint the current config names,
// or skips when it names none.
type configuredSender struct {
	name   string
	n      *Notifications
	client *http.Client
	url    func(*config.Cluster) string
	build  func(url string, client *http.Client) notify.Sender
}

func (s configuredSender) Name() string { return s.name }

func (s configuredSender) Send(ctx context.Context, e notify.Event) error {
	cfg := s.n.cfg.Load()
	if cfg == nil || s.url(cfg) == "" {
		return notify.ErrSkipped
	}
	return s.build(s.url(cfg), s.client).Send(ctx, e)
}
