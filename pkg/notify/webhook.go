package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// webhookPayload is the generic webhook's JSON. It is a public contract
// (docs/notify.md): fields are only ever added, never renamed or removed.
type webhookPayload struct {
	Kind     Kind   `json:"kind"`
	UpdateID int64  `json:"update_id"`
	Version  string `json:"version"`
	Tag      string `json:"tag"`
	Env      string `json:"env"`
	// Site is the site's short name (config site); "" when unnamed.
	Site   string `json:"site"`
	Reason string `json:"reason"`
	// Servers is [] rather than null when empty, so consumers can iterate.
	Servers   []int  `json:"servers"`
	StartedAt string `json:"started_at"`
	// FinishedAt and DurationSeconds are omitted for started events.
	FinishedAt string `json:"finished_at,omitempty"`
	// DurationSeconds is a pointer so that a zero-second update still
	// reports 0 instead of omitting the field.
	DurationSeconds *float64 `json:"duration_seconds,omitempty"`
	Message         string   `json:"message,omitempty"`
	ReleaseURL      string   `json:"release_url,omitempty"`
}

type webhook struct{ p poster }

// NewWebhook returns a Sender that POSTs each event as JSON to url, with
// Content-Type application/json and User-Agent neco/<version>:
//
//	{
//	  "kind": "started" | "completed" | "aborted" | "timedout",
//	  "update_id": 42,
//	  "version": "2026.11.23-1",
//	  "tag": "release-2026.11.23-1",
//	  "env": "production",
//	  "reason": "update" | "reconfigure" | "rollback",
//	  "servers": [0, 1, 2],
//	  "started_at": "2026-11-23T10:00:00Z",
//	  "finished_at": "2026-11-23T10:12:30Z",   (omitted for started)
//	  "duration_seconds": 750,                 (omitted for started)
//	  "message": "worker 2: dpkg failed",      (omitted when empty)
//	  "release_url": "https://github.com/..."  (omitted when empty)
//	}
//
// Times are RFC 3339 in UTC. Fields are only ever added. Any 2xx is success;
// redirects are not followed. client may be nil (a plain http.Client);
// per-attempt timeouts come from the context, so the client needs none.
func NewWebhook(url string, client *http.Client) Sender {
	return webhook{p: newPoster("webhook", "webhook", url, client)}
}

func (w webhook) Name() string { return w.p.name }

func (w webhook) Send(ctx context.Context, e Event) error {
	body, err := json.Marshal(newWebhookPayload(e))
	if err != nil {
		return fmt.Errorf("encode webhook payload: %w: %w", ErrPermanent, err)
	}
	return w.p.post(ctx, body)
}

func newWebhookPayload(e Event) webhookPayload {
	p := webhookPayload{
		Kind:       e.Kind,
		UpdateID:   e.UpdateID,
		Version:    e.Version,
		Tag:        e.Tag,
		Env:        e.Env,
		Site:       e.Site,
		Reason:     e.Reason,
		Servers:    e.Servers,
		StartedAt:  formatTime(e.StartedAt),
		Message:    e.Message,
		ReleaseURL: e.ReleaseURL,
	}
	if p.Servers == nil {
		p.Servers = []int{}
	}
	if !e.FinishedAt.IsZero() {
		p.FinishedAt = formatTime(e.FinishedAt)
	}
	if d, ok := e.duration(); ok {
		s := d.Seconds()
		p.DurationSeconds = &s
	}
	return p
}

func formatTime(t time.Time) string {
	return t.UTC().Format(time.RFC3339)
}
