package updater

import (
	"context"
	"fmt"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/necoship/neco/pkg/alerts"
	"github.com/necoship/neco/pkg/config"
	"github.com/necoship/neco/pkg/model"
)

// AlertGate asks the alert gate's Prometheus (config gate-prometheus-url)
// which alerts matching gate-alerts fire.
type AlertGate interface {
	Firing(ctx context.Context, cfg config.Cluster) ([]string, error)
}

// PrometheusGate is the AlertGate of the real daemon: one alerts.Source,
// made again when the configured URL or pattern changes, whose cache makes
// a leader deciding often ask Prometheus at most every few seconds.
type PrometheusGate struct {
	mu     sync.Mutex
	key    string
	source *alerts.Source
}

var _ AlertGate = (*PrometheusGate)(nil)

// Firing implements AlertGate.
func (g *PrometheusGate) Firing(ctx context.Context, cfg config.Cluster) ([]string, error) {
	src, err := g.sourceFor(cfg)
	if err != nil {
		return nil, err
	}
	return src.Firing(ctx)
}

func (g *PrometheusGate) sourceFor(cfg config.Cluster) (*alerts.Source, error) {
	key := cfg.GatePrometheusURL
	if cfg.GateAlerts != nil {
		key += "\x00" + cfg.GateAlerts.String()
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.source != nil && g.key == key {
		return g.source, nil
	}
	src, err := alerts.New(alerts.Options{URL: cfg.GatePrometheusURL, Match: cfg.GateAlerts})
	if err != nil {
		return nil, fmt.Errorf("alert gate: %w", err)
	}
	g.source, g.key = src, key
	return src, nil
}

// gateTimeout bounds one question to the gate within one round.
const gateTimeout = 10 * time.Second

// recordGate asks the alert gate, when one is configured, and records its
// answer in info/gate when it differs from the stored one. It returns the
// state the round decides on: the new one once written, else the stored.
func (c *Controller) recordGate(ctx context.Context, leaderKey string, cfg config.Cluster, stored *model.GateState) (*model.GateState, error) {
	if cfg.GatePrometheusURL == "" || c.Gate == nil {
		return stored, nil
	}
	qctx, cancel := context.WithTimeout(ctx, gateTimeout)
	firing, err := c.Gate.Firing(qctx, cfg)
	cancel()
	state := model.GateState{Firing: firing, Since: c.Now().UTC()}
	if err != nil {
		state = model.GateState{Error: err.Error(), Since: state.Since}
	}
	if stored != nil && stored.SameAs(state) {
		return stored, nil
	}
	if err := c.Store.PutGateState(ctx, leaderKey, state); err != nil {
		return stored, fmt.Errorf("record alert gate: %w", err)
	}
	c.logGate(state)
	return &state, nil
}

// logGate logs each change of the gate's state: it is written only then.
func (c *Controller) logGate(g model.GateState) {
	switch {
	case g.Error != "":
		c.logger().Warn("alert gate holds: no answer from Prometheus", zap.String(keyReason, g.Error))
	case len(g.Firing) > 0:
		c.logger().Warn("alert gate holds: alerts firing", zap.Strings(keyAlerts, g.Firing))
	default:
		c.logger().Info("alert gate open: no matching alert fires")
	}
}
