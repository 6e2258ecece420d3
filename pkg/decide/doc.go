// Package decide owns neco's decisions: given what etcd holds at one
// revision, what should happen next. NextAction is the updater's decision
// (start, advance, finish, abort or wait on an update); the worker's
// decision (NextOps) belongs beside it, with the rollback check
// (PlanRollback) and the dry run of `neco plan` (PlanUpdate), which only
// runs the other two.
//
// The package is pure. It takes no context, never reads the clock (the
// caller passes Now), does no I/O and logs nothing; it imports only model,
// config, plan and the standard library. The updater loop reads a snapshot, calls
// NextAction, records the returned Action in etcd and only then acts on it,
// so every decision can be replayed from its inputs in a table test.
//
// # The updater's rules
//
// An update is running when Snapshot.Current is set, has no history entry
// (Snapshot.Finished) and is not stopped. Only the servers listed in
// Current.Servers take part, and only reports carrying Current.ID count:
// a report left over from an earlier update says nothing about this one.
// WorkerStatus.Step is the number of steps a worker has finished;
// Barrier.Step is the step workers may enter. Servers that join or leave
// during an update are ignored until it ends.
//
// A stopped update (Current.Stop) with a history entry gives ActionStopped:
// nothing happens until `neco recover` clears Stop. A stopped update without
// one (`neco update abort`, or an updater that died between the two writes)
// gets the missing entry written as aborted.
//
// For a running update, in this order (the first match wins):
//
//  1. a participant reports aborted: ActionAbort, naming the lowest such LRN;
//  2. a participant reports timedout, or has made no progress for
//     Config.WorkerTimeout: ActionTimeout. Progress is the report's
//     UpdatedAt, or Current.StartedAt before the first report. A worker that
//     has completed, or has finished every step the barrier lets it enter, is
//     waiting on others, not silent, and never times out;
//  3. every participant completed: ActionFinish;
//  4. every participant finished the barrier's step: ActionAdvanceBarrier to
//     the next step (step 0 when there is no barrier for Current.ID);
//  5. otherwise ActionNone, naming the workers everyone waits for.
//
// With no running update, nothing starts in env test, without a qualifying
// release (Latest) or without registered servers. The operator's policy
// comes next: a pin to another version than Latest, or a hold of Latest
// (neco pin, neco hold, and the hold a rollback leaves), starts nothing
// but a reconfigure of a completed Current when the servers changed. Automatic updates never
// downgrade: rolling back is an operator's act. The latest release equal to
// a completed Current is "up to date", unless the registered servers differ
// from Current.Servers, which starts a reconfigure of the same version. Equal
// to an update that was aborted or timed out (and then recovered), it is
// retried. A new version under approval manual waits for `neco update
// approve` (ActionWaitApproval). Every start, reconfigure included, waits for
// the release window when release-time is set (ActionWaitWindow).
//
// docs/decide.md has the same rules as a table, with the reasons shown in
// `neco status`.
//
// # The worker's rules
//
// NextOps decides for one worker. Steps(plan) numbers the steps every
// worker shares (prepare, the services in plan order, stop-all as two
// steps, then the once-steps); WorkerStatus.Step counts the steps this
// worker finished, which is also the step it enters next once the barrier
// allows. Prepare needs no plan (it installs the package that carries
// it); past it the installed plan must be the update's version, else the
// worker aborts rather than guess. Rolling steps wait for the servers ahead
// in LRN order (at most max-unavailable at once); once-steps run on the
// worker leader unless contents/ records them for this version, and the
// other workers skip them. After the last step a worker completes without
// waiting for another barrier. docs/worker.md has the whole model.
package decide
