// Package access owns who may read and write which of neco's etcd keys:
// the etcd roles and users of a site with etcd authentication on, derived
// from storage's key layout and the registered boot servers, and the
// idempotent set-up that makes etcd hold exactly them (`neco auth setup`).
//
// Principals and their etcd users (the common name of the TLS client
// certificate, which etcd takes as the user under --client-cert-auth):
//
//	neco-worker-<lrn>   neco-worker of server <lrn>     role neco-server-<lrn>
//	neco-updater-<lrn>  neco-updater of server <lrn>    role neco-updater
//	any name given      an operator (`--operator`)      role neco-operator
//	any name given      a read-only user (`--reader`)   role neco-reader
//	root                etcd's root: runs the set-up    role root
//
// Every role reads every key except secret/, which only the roles that use
// a secret read: the updaters all of it, a server its download token and
// the registry credentials. Each role writes only what its principal
// writes (see Roles and docs/etcd.md). A server cannot write another
// server's report, status/current, config or policy; an operator cannot
// read a secret it set.
package access
