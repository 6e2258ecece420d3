// Package etcdconn owns how neco reaches the cluster's etcd: dialing the
// configured members (with TLS when the local config names certificates),
// or, on a single-server site whose config lists no endpoints, the embedded
// member that neco-updater hosts (pkg/etcdmember) with the certificate
// authority this package creates in its data directory.
//
// It decides nothing about keys; pkg/storage does.
package etcdconn
