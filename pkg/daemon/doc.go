// Package daemon owns the process plumbing that neco-updater and
// neco-worker share: the structured logger at the configured level, the
// etcd connection that waits (with back-off) for the cluster to answer,
// HTTP listeners that stop with their owner's context, the Supervisor
// that tells systemd when the daemon is ready, what it is doing, and that
// its main loop still goes round (watchdog), and Repeats, which keeps both
// loops from logging the same line every round. It holds no rollout logic.
package daemon
