//go:build dctest

// Package site installs neco on a data-center-test cluster (package
// dctest/harness) the way an SRE installs it on boot servers, publishes
// test releases of a site, and reads what happens only as an operator
// can: `neco status --json`, `neco history --json`, systemctl and files
// inside the servers.
//
// Install puts a release mirror (`neco mirror serve`) and a docker-registry
// on the run's bridge (HostIP), installs the neco .deb from `make deb` into
// every server with dpkg, writes /etc/neco/config.yml (the cluster's etcd,
// the daemons' own certificates) and operator.yml and root.yml beside it,
// sets the cluster config with `neco config set` and runs `neco join` on
// every server as the operator, turns etcd authentication on with `neco
// auth setup --operator dct-operator --enable` as root, and only then
// starts neco-updater and neco-worker as systemd units. Neco runs the CLI
// as the operator, NecoAs with another principal's config file.
//
// Publish builds the site package of a version: its plan has a rolling, a
// stop-all and an anytime unit, an image (pushed to the registry first and
// pinned by digest) and a once-step; each unit records, when it starts,
// the site version it started with; a release can ship a rolling unit
// that is unhealthy on one server (Release.UnhealthyOn), or whose start
// waits on one server until the test lets it go on (Release.HoldRollingOn,
// ProceedRolling), and SHA256SUMS can be signed with a Signer's OpenPGP key
// (Release.SignedBy), whose public half the operator sets as signing-keys.
// A Receiver stands in for Slack and a webhook endpoint: an https server
// of the test process whose CA Install makes the servers trust
// (Options.TrustCA). The scenarios (package dctest) and the demo
// (dctest/demo) are built on it.
package site
