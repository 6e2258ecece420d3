package model

import "time"

// Promotion is what the updater leader last learned of the channel's pick
// for config require-deployed (key info/promotion): whether a deployment
// of Tag to Environment ever succeeded, as another site's neco records it
// on GitHub. A release is taken only once Deployed is true for it.
type Promotion struct {
	Tag         string `json:"tag"`
	Environment string `json:"environment"`
	Deployed    bool   `json:"deployed"`
	// Error is why GitHub could not tell; the release then waits.
	Error     string    `json:"error,omitempty"`
	CheckedAt time.Time `json:"checked_at"`
}

// For says whether p is about tag in environment.
func (p *Promotion) For(tag, environment string) bool {
	return p != nil && p.Tag == tag && p.Environment == environment
}
