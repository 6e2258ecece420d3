package updater

import (
	"context"
	"fmt"
	"sync"

	"go.uber.org/zap"

	"github.com/necoship/neco/pkg/config"
	"github.com/necoship/neco/pkg/metrics"
	"github.com/necoship/neco/pkg/notify"
	"github.com/necoship/neco/pkg/releases"
)

// deploymentSender reports updates as GitHub deployment statuses while
// the cluster config says github-deployments=true. Its client follows the
// config like the release checker's: rebuilt when the repository, API,
// token or proxy change.
type deploymentSender struct {
	n       *Notifications
	log     *zap.Logger
	metrics *metrics.Updater

	mu  sync.Mutex
	key [32]byte
	api notify.DeploymentAPI
}

func (*deploymentSender) Name() string { return "github-deployments" }

func (s *deploymentSender) Send(ctx context.Context, e notify.Event) error {
	cfg := s.n.cfg.Load()
	if cfg == nil || !cfg.GitHubDeployments || cfg.GitHubRepo == "" {
		return notify.ErrSkipped
	}
	api, err := s.client(*cfg)
	if err != nil {
		return err
	}
	return notify.NewDeployments(api).Send(ctx, e)
}

// client returns the Deployments API client for cfg.
func (s *deploymentSender) client(cfg config.Cluster) (notify.DeploymentAPI, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if k := clientKey(cfg); s.api == nil || k != s.key {
		c, err := releases.New(githubOptions(cfg, s.log, s.metrics, nil))
		if err != nil {
			// Only a config that cannot work gets here; retrying will not fix it.
			return nil, fmt.Errorf("%w: deployments client: %w", notify.ErrPermanent, err)
		}
		s.api, s.key = c, k
	}
	return s.api, nil
}
