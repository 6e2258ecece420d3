// Package daemon owns the process plumbing that neco-updater and
// neco-worker share: the structured logger at the configured level, the
// etcd connection that waits (with back-off) for the cluster to answer,
// and HTTP listeners that stop with their owner's context. It holds no
// rollout logic.
package daemon
