// Package notify owns how neco-updater tells people about updates: a
// Slack incoming webhook, a generic JSON webhook and GitHub deployment
// statuses, fed through a Dispatcher that queues events and retries
// deliveries in the background. GitHub is reached through the
// DeploymentAPI interface, so this package does not import go-github.
//
// Notifications must never block or fail an update. Notify only enqueues
// (or drops with a warning when the queue is full); Run delivers on a
// goroutine the caller owns; a delivery that finally fails is logged and
// reported through Options.OnFailure for metrics, nothing more.
//
// Webhook URLs carry their credential in the path, so this package never
// logs a URL and strips it from every error it returns (see post.go).
//
// The generic webhook's JSON is a public contract documented on NewWebhook
// and in docs/notify.md: fields are only ever added.
package notify
