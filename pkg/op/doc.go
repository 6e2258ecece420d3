// Package op owns the operations a worker runs for the steps of an update:
// each is a small step machine (Op) that hands out one Command at a time,
// so that the worker can report, log and time every command, and stop
// between any two of them.
//
// Every command is idempotent: an op that failed or was killed halfway is
// simply built again and rerun from its first command. What makes that
// safe lives in the executors behind Infra (dpkg leaves an installed
// package alone, containerd keeps a pulled image, contents/ remembers a
// once-step), not in memory.
//
// The package imports no concrete client: pkg/worker adapts pkg/deb,
// pkg/images, pkg/units, pkg/releases and pkg/storage to the interfaces in
// infra.go, and tests use function-field fakes.
package op
