// Package decide owns neco's decisions: given what etcd holds at one
// revision, what should happen next. NextAction is the updater's decision
// (start, advance, finish, abort, pause or wait on an update); the
// worker's decision (NextWorkerAction, with its read contract ReadsFor) belongs
// beside it, with the rollback check (PlanRollback) and the dry run of
// `neco plan` (PlanUpdate), which only runs the other two.
//
// The package is pure. It takes no context, never reads the clock (the
// caller passes Now), does no I/O and logs nothing; it imports only model,
// config, plan and the standard library. The updater loop reads a
// snapshot, calls NextAction, records the returned Action in etcd and only
// then acts on it, so every decision can be replayed from its inputs in a
// table test.
//
// The rules are stated once, in docs/decide.md (the updater's, with the
// reason each gives in `neco status`) and docs/worker.md (the worker's);
// TestDocumentedReasonsAreProduced checks that every example reason there
// is one a test of this package expects. Comments here say why a rule is
// as it is, not what it is.
package decide
