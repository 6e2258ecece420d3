// Package bench owns neco's end-to-end benchmarks, the ones `make bench`
// runs beside the packages' own: they measure whole daemons on real
// dpkg, containerd, docker-registry and etcd, where a package's
// benchmarks measure its code alone. It has no code outside its _test.go
// files.
//
//   - BenchmarkOverhead: the same plan (install a real .deb into a
//     throwaway dpkg root, pull two images from a local registry through
//     containerd) done by a plain /bin/sh script and by neco (a real
//     updater leader and one real worker), each iteration from scratch.
//     The ratio of their ns/op is neco's overhead; the neco run also
//     reports where its time went (fetch-ns, install-ns, pull-ns, and
//     coord-ns for the rest: etcd, decisions, reports).
//   - BenchmarkFootprint: the RSS and CPU of idle neco-updater and
//     neco-worker processes, built from cmd/, over a window of 60 s
//     (NECO_BENCH_IDLE overrides it, e.g. 5s while developing).
//
// Both skip, naming the Debian package, when a binary they need is
// missing. Neither asserts a time: they report, and the reader (or
// bench/results.*) compares against the goals.
package bench
