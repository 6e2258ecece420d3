// Package releases owns how neco learns which release a site should run:
// the PREFIX-VERSION tag grammar, the channels (which env takes which
// release), the GitHub Releases client (go-github, with conditional
// requests, retries and rate-limit back-off), verified asset downloads
// (SHA256SUMS and its OpenPGP signature), the release webhook, and the
// GitHub deployments that record updates.
//
// It is the only package that imports go-github and the OpenPGP library.
// It never writes to etcd: callers decide what to do with what it finds.
package releases
