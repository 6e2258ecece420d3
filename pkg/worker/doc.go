// Package worker owns neco-worker's loop on one boot server: read a
// snapshot of etcd, let decide.NextWorkerAction say what this server does next,
// record it in status/bootservers/<LRN>, run it (an op from pkg/op, under
// its own context and timeout), and record the result. It also adapts the
// executors (pkg/deb, pkg/images, pkg/units, pkg/releases) to op.Infra and
// runs the daemon: etcd connection, worker leader election, shutdown.
//
// Progress lives in etcd, never only in memory: after a crash, kill -9 or
// a self-update, a new process reads its own report and reruns the step it
// was in, and the ops are idempotent. docs/worker.md has the whole model.
package worker
