// Package leader owns neco's leader elections in etcd: the session (a lease
// kept alive for one candidate), campaigning on an election prefix such as
// /neco/leader/updater/, watching that the won term still holds, the
// leader's heartbeat and the deposal of a leader whose heartbeats stopped
// (heartbeat.go says why a lease is not enough), and resigning with a
// bounded timeout when a term ends or the process stops.
//
// neco-updater runs Elector.Run on every boot server so that exactly one of
// them drives updates; neco-worker elects a worker leader the same way for
// once-per-cluster steps. The callback Run hands a term to gets a context
// that ends as soon as leadership may be lost (session expired or revoked,
// election key deleted, watch broken), and the Term it receives names the
// election key and create revision that storage fences leader writes on.
//
// Only keys on a lease are candidates. A key put under the prefix without
// one (by hand, or by an attacker) is never leader and never waited for:
// campaigns log it once and Leader skips it; LeaselessKeys lists it.
//
// The package holds no update logic: what a leader does is the caller's.
package leader
