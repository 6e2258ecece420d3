// Package storage owns every etcd key of neco: the key names (keys.go is the
// only place they are spelled), the JSON encoding of their values, the
// Snapshot that the updater and worker loops decide from, the writes that
// record decisions and reports, and the watches that wake the loops up.
//
// It decides nothing. The guards it applies are the ones that keep the
// stored state consistent whatever the callers decide: updater writes are
// fenced by the leader's election key (ErrNoLeader), status/current ids only
// grow, barriers only move forward, history entries are never overwritten
// and every read-modify-write is a compare-and-swap (ErrConflict). Values
// that do not decode are reported, never trusted and never fatal: one
// garbage key must not hide the rest of the cluster state.
//
// The schema, the fencing and the barrier protocol are described for
// operators in docs/etcd.md.
package storage
