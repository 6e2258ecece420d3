// Package units owns how neco drives systemd: starting, stopping and
// restarting units over D-Bus and waiting until they really are in the
// state asked for, reloading unit files, running a command in its own
// transient unit, and the health checks (HTTP and exec) that tell whether a
// restarted program works. It is the only package that imports go-systemd,
// and it knows nothing about etcd, releases or plans.
//
// "Done" means more than systemd's job result. A Type=simple unit's start
// job is done as soon as its process is forked, so Start and Restart then
// poll the unit until it is active on two polls in a row with the same
// ActiveEnterTimestamp: a process that crashes right after its start (bad
// flags, a port in use) fails the call instead of passing it, and a unit
// restarted by Restart= between the two polls is not mistaken for a stable
// one. A unit still activating (Type=notify waiting for READY, auto-restart)
// is waited on until the caller's context ends. A crash loop slower than one
// poll interval can still look active; the plan's health check is what
// catches that.
//
// Stop accepts "failed" as stopped: a daemon that exits non-zero on SIGTERM
// ends in "failed", which is not running, and its next start clears it.
//
// A failed Start, Stop, Restart or RunTransient is a *UnitError naming the
// operation, the unit, its last state and, when the unit itself failed,
// the last journal lines; it wraps one of the sentinels (ErrNoUnit,
// ErrJobFailed, ErrUnitFailed, ErrNotStopped, ErrUnitExists), the
// context's error or a D-Bus error. (A malformed unit name or command is a
// plain error, before anything is asked of systemd.) When the context
// ends, the job already queued in systemd is not cancelled: it is systemd's
// to finish, and the result it sends later lands in a buffered channel that
// nobody reads, so no goroutine and no go-systemd lock is left waiting.
//
// The health checks, CheckHTTP and CheckExec, are plain Go: they retry
// every second until their timeout and fail with ErrUnhealthy quoting what
// the last attempt saw. They live here because a restart is only done once
// the restarted program answers.
//
// The D-Bus surface is the Conn interface, which *dbus.Conn of go-systemd
// satisfies; tests drive the Manager through a fake of it, and through a
// real systemd user manager started on a private bus.
package units
