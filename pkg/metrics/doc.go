// Package metrics owns neco's Prometheus series: their names, labels,
// help and buckets, and the registry each daemon serves on its
// metrics-listen address. It is the only package that imports the
// Prometheus client; the loops call the small typed methods of Updater and
// Worker, so a series cannot be misspelt or mislabelled at a call site.
//
// Every series is documented in docs/metrics.md; names and labels only
// ever gain members, because dashboards and alerts are built on them.
//
// A nil *Updater or *Worker records nothing: tests and tools that serve no
// metrics leave the field unset.
package metrics
