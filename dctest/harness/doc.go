//go:build dctest

// Package harness runs a small data center on one machine for the
// data-center tests (package dctest, build tag dctest): three Debian 12 boot
// servers, each a systemd-nspawn container booted with systemd, each in a
// network namespace of its own, joined by a bridge in one more namespace,
// with a 3-member etcd cluster (TLS) across them. docs/dctest.md has the
// topology, how to run one test and how to get a shell in a boot server.
//
// What a test gets from New:
//
//   - Cluster.Servers[i] is the boot server of LRN i: hostname boot-i,
//     address 10.213.0.(i+1) on the private /24 that exists only inside the
//     run's namespaces. Exec runs a command inside it (nsenter into its
//     systemd's namespaces), WriteFile and CopyIn put files into it, Stop and
//     Boot power it off and on again, Reboot does both (its disk, an overlay
//     upper directory, survives).
//   - Cluster.Network cuts a server's link and restores it; its DialContext
//     reaches the servers and the host services from the test process,
//     which is not in those namespaces itself, and its Listen gives the
//     test process a socket on 10.213.0.254 that the servers reach (with
//     NewServerCert, an https endpoint of the test's own).
//   - Cluster.Etcd is one member per server, run as the unit dct-etcd.service
//     with Debian's etcd 3.4, with a client certificate per etcd user (its
//     common name): root and the operator's in every server, neco-worker-N's
//     and neco-updater-N's in server N only. Client dials it from the host
//     and Etcdctl runs etcdctl inside a server, both as root; EtcdctlAs as
//     another user; UserTLS names a user's certificate files inside the
//     servers (for neco's local config files). Authentication stays off
//     until the site turns it on.
//   - Cluster.StartHostService runs a host program (a mirror, a registry) in
//     the bridge namespace on 10.213.0.254:PORT.
//
// Every run has an id (six hex digits) and names everything it creates
// after it: network namespaces dct-ID-br and dct-ID-N, cgroups dct-ID under
// each cgroup hierarchy, the directory runs/ID of the cache (overlay
// mounts, logs). The test's Cleanup tears all of it down, even when the test
// failed or panicked, and touches nothing else. A run that could not clean
// up (the binary was killed, -timeout fired) is removed by Sweep, which Main
// calls before the tests: a run is alive while its process holds the flock
// on /run/neco-dctest/ID.lock, so concurrent test binaries never sweep each
// other.
//
// The root filesystem is built once with mmdebstrap (Rootfs) into a cache
// outside the repository, keyed by the package list, and shared read-only
// by every server of every run as the lower layer of its overlay.
//
// It needs root, a kernel with overlayfs and network namespaces, and the
// Debian packages mmdebstrap, systemd-container, iproute2, util-linux
// (nsenter) on the host. The cgroup layout it handles is the hybrid one of
// the CI machines (named systemd hierarchy v1 plus an empty v2 at
// /sys/fs/cgroup/unified) and a pure cgroup v2 mount.
package harness
