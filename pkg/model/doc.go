// Package model owns neco's domain types: release versions and their one
// ordering, releases and their assets, and the update channels (envs).
//
// It is the bottom of the dependency graph: pure data and validation, no I/O,
// no clients, no logging. Every other package compares versions through
// Version.Compare so that detection, acceptance and rollback agree.
package model
