// Package cli owns the `neco` command tree (cobra), one file per
// subcommand. It parses flags, calls the packages that do the work and
// prints results; it never talks to dpkg, containerd or systemd itself.
// Every --json output is documented in docs/cli.md and stays backward
// compatible.
package cli
