package updater

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/necoship/neco/pkg/config"
	"github.com/necoship/neco/pkg/model"
	"github.com/necoship/neco/pkg/releases"
	"github.com/necoship/neco/pkg/storage"
)

// ConfigReader reads one cluster config value; *storage.Storage is one.
type ConfigReader interface {
	GetConfig(ctx context.Context, name string) (string, error)
}

// WebhookEndpoint receives GitHub release webhooks for the updater. The
// secret and the repository are read from the cluster config on every
// delivery, so `neco config set github-webhook-secret` takes effect at once
// and a rotated secret needs no restart. While the secret is unset every
// delivery is refused: an unauthenticated endpoint would let anyone on the
// network drive the release checks.
type WebhookEndpoint struct {
	Config ConfigReader
	// Checks is asked for a check by each accepted delivery: request/check
	// (CheckForwarder) in neco-updater, so that a delivery to any updater
	// reaches the leader.
	Checks releases.CheckRequester
	Log    *zap.Logger
	// Rejected counts deliveries refused before authentication, by reason
	// (signature, too_large, secret_unset); nil counts nothing.
	Rejected func(reason string)
	// Now reads the clock for the rate of the refusal log; nil is time.Now.
	Now func() time.Time

	once    sync.Once
	rejects *rejectSummary
}

// configReadTimeout bounds the etcd reads of one delivery; GitHub gives up
// on a delivery after 10 seconds.
const configReadTimeout = 5 * time.Second

func (e *WebhookEndpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e.once.Do(func() {
		now := e.Now
		if now == nil {
			now = time.Now
		}
		e.rejects = newRejectSummary(e.Log, now, e.Rejected)
	})
	ctx, cancel := context.WithTimeout(r.Context(), configReadTimeout)
	defer cancel()
	secret, err := e.value(ctx, "github-webhook-secret")
	if err != nil {
		e.unavailable(w, "read github-webhook-secret", err)
		return
	}
	if secret == "" {
		e.rejects.add(rejectSecretUnset, errors.New("github-webhook-secret is not set"))
		http.Error(w, "webhook secret not configured", http.StatusServiceUnavailable)
		return
	}
	repo, err := e.value(ctx, "github-repo")
	if err != nil || repo == "" {
		e.unavailable(w, "read github-repo", err)
		return
	}
	h, err := releases.NewWebhookHandler([]byte(secret), repo, e.Checks, e.Log)
	if err != nil {
		e.unavailable(w, "webhook handler", err)
		return
	}
	h.OnRejected = func(err error) { e.rejects.add(rejectReason(err), err) }
	h.ServeHTTP(w, r)
}

// value reads a config key, validated as `neco config set` would; unset
// is "".
func (e *WebhookEndpoint) value(ctx context.Context, name string) (string, error) {
	v, err := e.Config.GetConfig(ctx, name)
	if errors.Is(err, storage.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if err := config.ValidateValue(name, v); err != nil {
		return "", err
	}
	return v, nil
}

func (e *WebhookEndpoint) unavailable(w http.ResponseWriter, what string, err error) {
	if err == nil {
		err = errors.New("not set")
	}
	e.Log.Error("webhook delivery refused", zap.String(keyAction, what), zap.Error(err))
	http.Error(w, "updater cannot check deliveries now", http.StatusServiceUnavailable)
}

// CheckRequests is where a release check is asked for; *storage.Storage
// is one.
type CheckRequests interface {
	RequestCheck(ctx context.Context, r model.CheckRequest) (int64, error)
}

// CheckForwarder passes each accepted delivery on as request/check, which
// the updater leader watches: GitHub reaches one address, not whichever
// neco-updater leads now, and a delivery to the leader itself takes the
// same path, so that a change of leader cannot lose it.
type CheckForwarder struct {
	Requests CheckRequests
	// By names the requester: "webhook@<host>".
	By  string
	Now func() time.Time
}

// RequestCheck writes request/check.
func (f CheckForwarder) RequestCheck(ctx context.Context) error {
	_, err := f.Requests.RequestCheck(ctx, model.CheckRequest{By: f.By, At: f.Now()})
	return err
}
