// Package etcdmember owns the embedded single-member etcd that
// neco-updater hosts on a single-server site whose config lists no
// endpoints: its data directory, its TLS-only ports and its lifetime.
//
// It is the only package that links etcd's server. neco-worker and the
// neco CLI reach etcd through pkg/etcdconn and never map it: the server's
// package initialisation alone pages several MiB of the binary in.
package etcdmember
