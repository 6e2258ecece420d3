// Package updater owns neco-updater's loops: checking for releases (one
// goroutine per leadership term, checkTerm), and, as the elected leader
// (Controller), observing etcd, asking pkg/decide what to do, recording it
// with leader-fenced writes and telling people. Policy lives in
// pkg/decide; this package owns timing, back-off and side effects.
package updater
