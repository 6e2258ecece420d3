package releases

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/google/go-github/v66/github"
	"go.uber.org/zap"
)

// maxWebhookBody bounds a webhook payload; GitHub caps them at 25 MB but
// a release event is a few KiB.
const maxWebhookBody = 5 << 20

// Trigger asks for a release check now. Fire never blocks and coalesces:
// ten events during one check cause one more check, not ten.
type Trigger struct{ c chan struct{} }

// NewTrigger returns a Trigger with nothing pending.
func NewTrigger() *Trigger { return &Trigger{c: make(chan struct{}, 1)} }

// Fire requests a check.
func (t *Trigger) Fire() {
	select {
	case t.c <- struct{}{}:
	default:
	}
}

// C delivers one value per pending request.
func (t *Trigger) C() <-chan struct{} { return t.c }

// RequestCheck fires t: a check in this process.
func (t *Trigger) RequestCheck(context.Context) error {
	t.Fire()
	return nil
}

// CheckRequester is what an accepted delivery asks for a release check
// now. An error answers the delivery 503, so that GitHub shows it failed
// and it can be redelivered.
type CheckRequester interface {
	RequestCheck(ctx context.Context) error
}

// WebhookHandler receives GitHub webhook deliveries, checks their
// HMAC-SHA256 signature (X-Hub-Signature-256) and asks for a release
// check on `release` events of the configured repository. It never reads release
// data from the payload: the check that follows asks the API, so a forged
// or stale event can at most cause one cheap conditional request.
type WebhookHandler struct {
	secret  []byte
	repo    string
	trigger CheckRequester
	log     *zap.Logger
	// OnRejected, when set, is told of each delivery refused before its
	// signature was verified (bad signature, too large, unreadable); the
	// handler does not log those itself: anyone on the network can send
	// them, so the caller counts them and logs a summary at its own pace.
	OnRejected func(reason error)
}

// ErrWebhookTooLarge: a delivery's body is over the limit (answered 413).
var ErrWebhookTooLarge = fmt.Errorf("releases: webhook payload over %d bytes", maxWebhookBody)

// NewWebhookHandler requires a secret: an unsigned endpoint would let
// anyone on the network drive the poller.
func NewWebhookHandler(secret []byte, repo string, trigger CheckRequester, log *zap.Logger) (*WebhookHandler, error) {
	if len(secret) == 0 {
		return nil, errors.New("webhook: empty secret")
	}
	if _, _, err := splitRepo(repo); err != nil {
		return nil, fmt.Errorf("webhook: %w", err)
	}
	if log == nil {
		log = zap.NewNop()
	}
	return &WebhookHandler{secret: secret, repo: repo, trigger: trigger, log: log}, nil
}

func (h *WebhookHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxWebhookBody)
	payload, err := github.ValidatePayload(r, h.secret)
	if err != nil {
		h.reject(w, err)
		return
	}
	event := github.WebHookType(r)
	switch event {
	case "ping":
		w.WriteHeader(http.StatusOK)
		return
	case "release":
	default:
		w.WriteHeader(http.StatusNoContent)
		return
	}
	parsed, err := github.ParseWebHook(event, payload)
	ev, ok := parsed.(*github.ReleaseEvent)
	if err != nil || !ok {
		h.log.Warn("malformed release event", zap.String(keyReason, fmt.Sprint(err)))
		http.Error(w, "malformed release event", http.StatusBadRequest)
		return
	}
	if name := ev.GetRepo().GetFullName(); name != h.repo {
		h.log.Info("ignoring release event of another repository", zap.String(keyRepo, name))
		w.WriteHeader(http.StatusNoContent)
		return
	}
	h.log.Info("release event; checking now",
		zap.String(keyAction, ev.GetAction()), zap.String(keyTag, ev.GetRelease().GetTagName()))
	if err := h.trigger.RequestCheck(r.Context()); err != nil {
		h.log.Error("release event not passed on", zap.Error(err))
		http.Error(w, "cannot request a release check now", http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

// reject answers a delivery refused before its signature was verified:
// 413 for a body over the limit, 403 for the rest.
func (h *WebhookHandler) reject(w http.ResponseWriter, err error) {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		err = ErrWebhookTooLarge
		http.Error(w, "payload too large", http.StatusRequestEntityTooLarge)
	} else {
		http.Error(w, "invalid signature or payload", http.StatusForbidden)
	}
	if h.OnRejected != nil {
		h.OnRejected(err)
	}
}
