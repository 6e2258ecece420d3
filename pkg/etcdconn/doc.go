// Package etcdconn owns how neco reaches the cluster's etcd: dialing the
// configured members (with TLS when the local config names certificates),
// or, on a single-server site whose config lists no endpoints, running the
// embedded single-member etcd that neco-updater hosts in its data directory.
//
// It decides nothing about keys; pkg/storage does.
package etcdconn
